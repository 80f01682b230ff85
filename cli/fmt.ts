// `msac fmt FILE...`: print policies in canonical layout (tooling/format/), or
// with --check report the files that are not (exit 1, for CI), or with --write
// rewrite them in place. A file that does not parse is reported and left alone.
import fs from "node:fs";
import { renderText } from "../compiler/render.js";
import { formatPolicy } from "../tooling/format/format.js";
import { ExitStatus, type CommandIo } from "./io.js";
import { readPolicyText } from "./loadPolicy.js";

export function runFmt(files: string[], options: { check?: boolean; write?: boolean }, io: CommandIo): number {
  if (options.check && options.write) {
    io.stderr.write("msac: give --check or --write, not both\n");
    return ExitStatus.usage;
  }
  let status: number = ExitStatus.ok;
  for (const file of files) {
    const text = readPolicyText(file, io);
    if (text === undefined) {
      status = ExitStatus.usage;
      continue;
    }
    const result = formatPolicy(file, text);
    if (!result.ok) {
      io.stderr.write(result.reason ? `${file}: ${result.reason}\n` : renderText(result.diagnostics, new Map([[file, text]]), !!io.stderr.isTTY));
      if (status === ExitStatus.ok) status = ExitStatus.errors;
      continue;
    }
    if (options.check) {
      if (result.text !== text) {
        io.stdout.write(`${file}: not formatted (run \`msac fmt --write ${file}\`)\n`);
        if (status === ExitStatus.ok) status = ExitStatus.errors;
      }
    } else if (options.write) {
      if (result.text !== text) fs.writeFileSync(file, result.text);
    } else {
      io.stdout.write(result.text);
    }
  }
  return status;
}
