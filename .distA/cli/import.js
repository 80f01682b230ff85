// `msac import postfix MAIN.CF MASTER.CF [-o FILE]`: a Postfix submission service as an msa policy
// (tooling/import/). With -o, the tables it converts (senders, the relay's credentials) are
// written beside FILE; on standard output the senders table is inline.
import fs from "node:fs";
import path from "node:path";
import { readNamedFile } from "../formats/namedFile.js";
import { importPostfix } from "../tooling/import/translatePostfix.js";
import { ExitStatus } from "./io.js";
export function runImportPostfix(mainCf, masterCf, options, io) {
    const texts = [];
    for (const file of [mainCf, masterCf]) {
        const read = readNamedFile(file);
        if (!read.ok) {
            io.stderr.write(`msac: cannot read \`${file}\`: ${read.reason}\n`);
            return ExitStatus.usage;
        }
        texts.push(read.text);
    }
    const output = options.output && options.output !== "-" ? path.resolve(options.output) : undefined;
    const imported = importPostfix(path.resolve(mainCf), texts[0], path.resolve(masterCf), texts[1], output ? { output } : {});
    try {
        if (!output)
            io.stdout.write(imported.policy);
        else {
            fs.writeFileSync(output, imported.policy);
            for (const file of imported.files)
                fs.writeFileSync(path.join(path.dirname(output), file.name), file.content, { mode: file.mode });
        }
    }
    catch (error) {
        io.stderr.write(`msac: cannot write \`${options.output}\`: ${error.message}\n`);
        return ExitStatus.usage;
    }
    for (const file of imported.files)
        io.stderr.write(`msac: wrote ${path.join(path.dirname(output), file.name)}\n`);
    for (const error of imported.errors)
        io.stderr.write(`msac: the translation does not compile: ${error}\n`);
    return imported.errors.length > 0 ? ExitStatus.errors : ExitStatus.ok;
}
//# sourceMappingURL=import.js.map