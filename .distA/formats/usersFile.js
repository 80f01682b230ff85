// Parses a users file (`LOGIN:HASH` lines) into entries and problems without any I/O,
// so `msac check` can lint the file and the server can load it with the same rules.
import { examineHash } from "./storedHash.js";
export function parseUsersFile(text) {
    const entries = [];
    const problems = [];
    const firstLineOfLogin = new Map();
    // Editors on Windows may save a byte order mark; it is not part of the first login.
    const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
    const lines = body.split("\n");
    lines.forEach((rawLine, index) => {
        const line = index + 1;
        // CRLF files are tolerated; trailing blanks are dropped because no hash contains whitespace.
        const content = rawLine.replace(/\r$/, "").replace(/[ \t]+$/, "");
        const trimmedStart = content.trimStart();
        if (trimmedStart === "" || trimmedStart.startsWith("#"))
            return;
        const colon = content.indexOf(":");
        if (colon < 0) {
            problems.push({
                line,
                column: 1,
                endColumn: content.length + 1,
                message: `missing \`:\` between login and password hash in \`${content}\``,
            });
            return;
        }
        const login = content.slice(0, colon);
        const hash = content.slice(colon + 1);
        const hashColumn = colon + 2;
        if (login === "") {
            problems.push({ line, column: 1, endColumn: 2, message: "empty login before `:`" });
            return;
        }
        if (/\s/.test(login)) {
            problems.push({
                line,
                column: 1,
                endColumn: colon + 1,
                message: `login \`${login}\` contains whitespace`,
            });
            return;
        }
        if (hash === "") {
            problems.push({ line, column: 1, endColumn: colon + 2, message: `missing password hash for \`${login}\`` });
            return;
        }
        const verdict = examineHash(hash);
        if ("problem" in verdict) {
            problems.push({ line, column: hashColumn, endColumn: hashColumn + hash.length, message: verdict.problem(login) });
            return;
        }
        // The first definition wins, as in Apache's htpasswd files; the later line is reported and ignored.
        const firstLine = firstLineOfLogin.get(login);
        if (firstLine !== undefined) {
            problems.push({
                line,
                column: 1,
                endColumn: colon + 1,
                message: `duplicate login \`${login}\`, first defined on line ${firstLine}; this line is ignored`,
            });
            return;
        }
        firstLineOfLogin.set(login, line);
        entries.push({ login, hash, line, column: 1 });
    });
    return { entries, problems };
}
//# sourceMappingURL=usersFile.js.map