// `msac diff OLD NEW`: the classes of sessions whose outcome changes between two versions of a
// policy (tooling/diff/), for a change review in CI: exit 0 when nothing changes, 1 when something
// does or a policy has errors, 2 usage or an unreadable file.
import { sessionBound } from "./analyze.js";
import { changedSessions, diffGraphs } from "../tooling/diff/diff.js";
import { renderDiffJson, renderDiffText } from "../tooling/diff/render.js";
import { ExitStatus } from "./io.js";
import { compileForCommand } from "./loadPolicy.js";
export function runDiff(oldFile, newFile, options, io) {
    const bound = sessionBound(options.maxSessions, io);
    if (bound === null)
        return ExitStatus.usage;
    const before = compileForCommand(oldFile, io);
    if (!before.ok)
        return before.status;
    const after = compileForCommand(newFile, io);
    if (!after.ok)
        return after.status;
    const diff = diffGraphs(before.result.graph, after.result.graph, bound);
    io.stdout.write(options.json ? renderDiffJson(diff) : renderDiffText(diff));
    return changedSessions(diff) > 0 ? ExitStatus.errors : ExitStatus.ok;
}
//# sourceMappingURL=diff.js.map