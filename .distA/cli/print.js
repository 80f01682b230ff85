// `msac print FILE`: the effective policy with every default made explicit, or
// with --changed only what the policy sets (tooling/print/).
import { printPolicy } from "../tooling/print/print.js";
import { ExitStatus } from "./io.js";
import { compileForCommand } from "./loadPolicy.js";
export function runPrint(file, options, io) {
    const loaded = compileForCommand(file, io);
    if (!loaded.ok)
        return loaded.status;
    // The graph does not record where the hostname came from; the syntax tree does.
    const rules = loaded.result.ast.rules;
    const hostnameWritten = rules.some((r) => r.kind === "hostname");
    const allowUnauthenticated = rules.some((r) => r.kind === "allow" && r.what.value === "unauthenticated");
    io.stdout.write(printPolicy(loaded.result.graph, { changed: !!options.changed, hostnameWritten, allowUnauthenticated }));
    return ExitStatus.ok;
}
//# sourceMappingURL=print.js.map