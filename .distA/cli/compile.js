// `msac compile FILE -o OUT.json`: the rule graph as versioned JSON.
import fs from "node:fs";
import { serializeGraph } from "../graph/graphJson.js";
import { ExitStatus } from "./io.js";
import { compileForCommand } from "./loadPolicy.js";
export function runCompile(file, options, io) {
    const loaded = compileForCommand(file, io);
    if (!loaded.ok)
        return loaded.status;
    const json = serializeGraph(loaded.result.graph);
    if (!options.output || options.output === "-") {
        io.stdout.write(json);
        return ExitStatus.ok;
    }
    try {
        fs.writeFileSync(options.output, json);
    }
    catch (error) {
        io.stderr.write(`msac: cannot write \`${options.output}\`: ${error.message}\n`);
        return ExitStatus.usage;
    }
    return ExitStatus.ok;
}
//# sourceMappingURL=compile.js.map