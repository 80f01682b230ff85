// `msac passwd LOGIN`: reads one password line from stdin and prints the `LOGIN:HASH`
// line to append to a users file, so no password ever appears in a command line.
import { parseUsersFile } from "../formats/usersFile.js";
import { hashPassword } from "../runtime/auth/passwordHash.js";
const EXIT_OK = 0;
const EXIT_USAGE = 2;
const BCRYPT_MAX_PASSWORD_BYTES = 72;
/** Returns the exit status: 0 with the line printed, 2 for a bad login, scheme or password. */
export async function runPasswd(login, options, io) {
    const fail = (message) => {
        io.stderr.write(`msac passwd: ${message}\n`);
        return EXIT_USAGE;
    };
    const scheme = options.scheme ?? "argon2id";
    if (scheme !== "argon2id" && scheme !== "bcrypt") {
        return fail(`unknown hash scheme \`${String(scheme)}\`; use argon2id or bcrypt`);
    }
    if (login === "")
        return fail("the login is empty");
    if (/[:\s]/.test(login))
        return fail(`login \`${login}\` must not contain \`:\` or whitespace`);
    // A line starting with `#` is a comment in a users file, so such a login could never match.
    if (login.startsWith("#"))
        return fail(`login \`${login}\` must not start with \`#\``);
    if (io.stdin.isTTY)
        io.stderr.write(`password for ${login}: `);
    const password = await readOneLine(io.stdin);
    if (password === "")
        return fail("refusing an empty password");
    if (scheme === "bcrypt" && Buffer.byteLength(password) > BCRYPT_MAX_PASSWORD_BYTES) {
        io.stderr.write(`msac passwd: warning: bcrypt uses only the first ${BCRYPT_MAX_PASSWORD_BYTES} bytes of this password\n`);
    }
    const line = `${login}:${await hashPassword(password, scheme)}`;
    // The line must read back as exactly this login; anything else is a bug here, not user error.
    const readBack = parseUsersFile(line);
    if (readBack.problems.length > 0 || readBack.entries[0]?.login !== login) {
        return fail(`cannot write a users file line for \`${login}\`: ${readBack.problems[0]?.message ?? "it does not read back"}`);
    }
    io.stdout.write(`${line}\n`);
    return EXIT_OK;
}
/**
 * The first line of the stream without its `\n` or `\r\n`; at end of input, whatever came
 * (possibly ''). Stops reading afterwards so that stdin does not keep the process alive.
 */
function readOneLine(stream) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        const finish = () => {
            stream.removeListener("data", onData);
            stream.removeListener("end", finish);
            stream.removeListener("error", onError);
            stream.pause();
            resolve(Buffer.concat(chunks).toString("utf8").replace(/\r$/, ""));
        };
        const onData = (chunk) => {
            const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
            const newline = bytes.indexOf(0x0a);
            if (newline < 0) {
                chunks.push(bytes);
                return;
            }
            chunks.push(bytes.subarray(0, newline));
            finish();
        };
        const onError = (error) => {
            stream.removeListener("data", onData);
            stream.removeListener("end", finish);
            reject(error);
        };
        stream.on("data", onData);
        stream.once("end", finish);
        stream.once("error", onError);
        stream.resume();
    });
}
//# sourceMappingURL=passwd.js.map