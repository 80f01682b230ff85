// Group files (`group NAME from "FILE"`): one login per line, `#` comments and blank lines, without
// any I/O, so that `msac check` reports a line into the file and compiling reads the same members.
export function parseGroupFile(text) {
    const entries = new Map();
    const problems = [];
    const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
    body.split(/\r?\n/).forEach((raw, index) => {
        const hash = raw.indexOf("#");
        const content = hash === -1 ? raw : raw.slice(0, hash);
        const login = content.trim();
        if (login === "")
            return;
        const column = content.indexOf(login) + 1;
        const problem = /\s|,/.test(login) ? "one login per line" : login.startsWith("@") ? `a group lists logins, not \`${login}\`` : undefined;
        if (problem)
            problems.push({ line: index + 1, column, endColumn: column + login.length, message: problem });
        else if (!entries.has(login))
            entries.set(login, { login, line: index + 1, column });
    });
    return { entries: [...entries.values()], problems };
}
//# sourceMappingURL=groupFile.js.map