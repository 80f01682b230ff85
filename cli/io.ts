// The streams a command writes to, passed in so commands can be run in-process by tests.
export interface CommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export const processIo: CommandIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

/** Exit statuses of msac (contract section 2). */
export const ExitStatus = { ok: 0, errors: 1, usage: 2 } as const;
