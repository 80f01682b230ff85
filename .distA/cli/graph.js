// `msac graph FILE`: the compiled rule graph as a Mermaid or Graphviz DOT picture (tooling/picture/).
import { graphPicture } from "../tooling/picture/graphPicture.js";
import { ExitStatus } from "./io.js";
import { compileForCommand } from "./loadPolicy.js";
export function runGraph(file, options, io) {
    const loaded = compileForCommand(file, io);
    if (!loaded.ok)
        return loaded.status;
    io.stdout.write(graphPicture(loaded.result.graph, options.format ?? "mermaid"));
    return ExitStatus.ok;
}
//# sourceMappingURL=graph.js.map