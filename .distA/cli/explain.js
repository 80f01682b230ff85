// `msac explain MSAnnnn`: the long explanation of a diagnostic code, straight from
// the compiler's catalogue (compiler/diagnostics.ts), the same text
// `docs/diagnostics.md` is made from, so the two cannot drift apart.
import { Catalogue } from "../compiler/diagnostics.js";
import { closestMatch } from "../grammar/spelling.js";
import { ExitStatus } from "./io.js";
export function catalogueByCode() {
    const entries = Object.values(Catalogue);
    return new Map(entries.map((e) => [e.code, e]));
}
export function renderExplanation(entry) {
    const example = entry.example
        .split("\n")
        .map((line) => "    " + line)
        .join("\n");
    return `${entry.code}: ${entry.title} (${entry.severity}, ${entry.phase})\n\n${entry.explanation}\n\nExample:\n\n${example}\n`;
}
export function runExplain(code, io) {
    const entries = catalogueByCode();
    // `3005` and `msa3005` mean MSA3005: people copy the code from wherever they saw it.
    const wanted = /^\d{4}$/.test(code) ? `MSA${code}` : code.toUpperCase();
    const entry = entries.get(wanted);
    if (entry) {
        io.stdout.write(renderExplanation(entry));
        return ExitStatus.ok;
    }
    const suggestion = closestMatch(wanted, [...entries.keys()]);
    io.stderr.write(`msac: no diagnostic \`${code}\`${suggestion ? `; did you mean \`${suggestion}\` (${entries.get(suggestion).title})?` : ""}\n`);
    io.stderr.write(`known codes: ${[...entries.keys()].sort().join(", ")}\n`);
    return ExitStatus.usage;
}
//# sourceMappingURL=explain.js.map