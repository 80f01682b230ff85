// `msac reload --pid PID` / `msac reload --pid-file FILE`: sends SIGHUP to a running `msac serve`,
// which compiles its policy again and swaps it in when clean. The outcome (`reloaded` or
// `reload-failed` with the errors) is in the server's log, not here: the signal is one-way.
import fs from "node:fs";
import { ExitStatus } from "./io.js";
export function runReload(options, io) {
    if ((options.pid === undefined) === (options.pidFile === undefined)) {
        io.stderr.write("msac reload: give --pid PID or --pid-file FILE\n");
        return ExitStatus.usage;
    }
    let text = options.pid ?? "";
    if (options.pidFile !== undefined) {
        try {
            text = fs.readFileSync(options.pidFile, "utf8").trim();
        }
        catch (error) {
            io.stderr.write(`msac reload: cannot read \`${options.pidFile}\`: ${error.message}\n`);
            return ExitStatus.usage;
        }
    }
    if (!/^[1-9][0-9]*$/.test(text)) {
        io.stderr.write(`msac reload: \`${text}\` is not a process id\n`);
        return ExitStatus.usage;
    }
    try {
        process.kill(Number(text), "SIGHUP");
    }
    catch (error) {
        const code = error.code;
        io.stderr.write(`msac reload: cannot signal process ${text}: ${code === "ESRCH" ? "no such process" : error.message}\n`);
        return ExitStatus.errors;
    }
    io.stderr.write(`sent SIGHUP to ${text}; see its log for \`reloaded\` or \`reload-failed\`\n`);
    return ExitStatus.ok;
}
//# sourceMappingURL=reload.js.map