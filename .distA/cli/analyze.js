// `msac analyze FILE`: proves or refutes properties of the compiled policy over every session
// class (tooling/analyze/), printing for each refutation a `msac simulate` command that replays it.
// Exit statuses as `msac check`: 0 clean (or warnings only), 1 an error-level property refuted (or
// any warning with --deny-warnings) or policy errors, 2 usage or an unreadable file.
import { DEFAULT_SESSION_BOUND, analyzeGraph, tally } from "../tooling/analyze/analyze.js";
import { renderAnalysisJson, renderAnalysisText } from "../tooling/analyze/render.js";
import { ExitStatus } from "./io.js";
import { compileForCommand } from "./loadPolicy.js";
/** `--max-sessions` as a number, or null after saying why it is not one. */
export function sessionBound(maxSessions, io) {
    if (maxSessions === undefined)
        return DEFAULT_SESSION_BOUND;
    const bound = Number(maxSessions);
    if (Number.isSafeInteger(bound) && bound >= 1)
        return bound;
    io.stderr.write(`msac: --max-sessions takes a whole number of at least 1, not \`${maxSessions}\`\n`);
    return null;
}
export function runAnalyze(file, options, io) {
    const bound = sessionBound(options.maxSessions, io);
    if (bound === null)
        return ExitStatus.usage;
    const loaded = compileForCommand(file, io);
    if (!loaded.ok)
        return loaded.status;
    const analysis = analyzeGraph(loaded.result.graph, bound);
    io.stdout.write(options.json ? renderAnalysisJson(analysis) : renderAnalysisText(analysis));
    const { errors, warnings } = tally(analysis);
    return errors > 0 || (options.denyWarnings && warnings > 0) ? ExitStatus.errors : ExitStatus.ok;
}
//# sourceMappingURL=analyze.js.map