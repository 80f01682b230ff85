// Renders `docs/diagnostics.md` from the catalogue, so the reference never
// drifts from what msac reports (a test compares the file with this output).
import { Catalogue } from "./diagnostics.js";
const PHASES = {
    syntax: { range: "MSA1xxx", title: "Syntax: the text does not parse" },
    names: { range: "MSA2xxx", title: "Names: duplicate and conflicting rules" },
    values: { range: "MSA3xxx", title: "Values: a rule's argument is out of range or misspelt" },
    policy: { range: "MSA4xxx", title: "Policy: what the policy as a whole would do (RFC 6409 lints)" },
    files: { range: "MSA5xxx", title: "Files: the files a policy names" },
};
/** Every catalogue entry, in code order. */
export function catalogueEntries() {
    return Object.values(Catalogue).sort((a, b) => a.code.localeCompare(b.code));
}
/** The catalogue entry of a code such as `MSA1001` (case-insensitive), for `docs` and `msac explain`. */
export function catalogueEntry(code) {
    return catalogueEntries().find((e) => e.code === code.toUpperCase());
}
/** One entry as Markdown: heading, severity, explanation and an example. */
export function renderCatalogueEntry(entry) {
    return [
        `### ${entry.code}: ${entry.title}`,
        "",
        `**${entry.severity}**${entry.severity === "error" ? "" : " (the policy still compiles)"}`,
        "",
        entry.explanation,
        "",
        "```",
        entry.example,
        "```",
        "",
    ].join("\n");
}
export function renderDiagnosticsDoc() {
    const entries = catalogueEntries();
    const out = [
        "# Diagnostics",
        "",
        "<!-- Generated from compiler/diagnostics.ts by compiler/diagnosticsDoc.ts; edit the catalogue, then run",
        "     `UPDATE_GOLDEN=1 npx vitest run test/compiler` to rewrite this file. -->",
        "",
        "Every problem `msac check` reports has a stable code. The first digit tells the phase that found it.",
        "An **error** stops the policy from compiling (`msac check` exits with 1); a **warning** says what the",
        "server will actually do, and the policy still compiles (exit 0).",
        "",
        "Each diagnostic is printed as `FILE:LINE:COL: error|warning MSAnnnn: message`, followed by the line",
        "with the offending text underlined, a `help:` line with advice when there is one, a `fix:` line when",
        "the right edit is certain, and `note:` lines pointing at related places (the first of two duplicate",
        "rules, the policy line that names a file).",
        "`msac check --format json` prints the same as a JSON array; a policy file that cannot be read is in it too (MSA5001 or MSA5003, exit status 2).",
        "",
        "| code | severity | title |",
        "| --- | --- | --- |",
        ...entries.map((e) => `| [${e.code}](#${anchor(e)}) | ${e.severity} | ${e.title.replace(/\|/g, "\\|")} |`),
        "",
        "## Fixes",
        "",
        "A diagnostic carries a fix only when the edit is certain, never a guess: a misspelt verb or value with",
        "exactly one closest spelling (`hostnme` is `hostname`, `25mb` is `25MB`, `TLS1.3` is `TLSv1.3`; when two",
        "spellings are as close there is a hint and no fix), a duplicate rule (its whole line goes), a value listed",
        "twice (the second goes, with its blank or comma), a Postfix or",
        "Exim setting whose value translates into one msa rule (`smtpd_recipient_limit = 100` becomes",
        "`limit recipients 100`), a retired TLS version next to one msa offers, `observe`, `for ...` or `with ...`",
        "on a rule that cannot take them, and `listen 587 tls` with its modes swapped. The text a fix writes is",
        "the one its `help:` line names. In text output it is the line `= fix: TITLE`; in JSON, an object:",
        "",
        "```json",
        '"fix": { "line": 4, "column": 1, "endLine": 4, "endColumn": 8, "text": "hostname", "title": "replace `hostnme` with `hostname`" }',
        "```",
        "",
        "`line`, `column`, `endLine` and `endColumn` are the range to replace, in the diagnostic's `file`",
        "(1-based; the end is the column just after the last character replaced, so deleting a whole line ends",
        "at column 1 of the next line); `text` is the new text (empty to delete); `title` says what the fix does.",
        "`msac fmt --fix FILE` applies every fix of a policy at once, and the language server (`msac lsp`) offers",
        "each as a quick fix; both first check the fixed policy and apply nothing that would report a new error.",
        "",
    ];
    for (const phase of Object.keys(PHASES)) {
        out.push(`## ${PHASES[phase].range}. ${PHASES[phase].title}`, "");
        for (const entry of entries.filter((e) => e.phase === phase))
            out.push(renderCatalogueEntry(entry));
    }
    return out.join("\n").replace(/\n+$/, "\n");
}
/** GitHub's heading anchor: lowercase, punctuation other than `-` and `_` dropped, spaces to `-`. */
function anchor(entry) {
    return `${entry.code}: ${entry.title}`
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-");
}
//# sourceMappingURL=diagnosticsDoc.js.map