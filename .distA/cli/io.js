export const processIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
/** Exit statuses of msac (contract section 2). */
export const ExitStatus = { ok: 0, errors: 1, usage: 2 };
//# sourceMappingURL=io.js.map