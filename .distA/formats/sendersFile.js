// Senders map files and `senders { }` lines (RFC 6409 section 6.1 submission rights): the
// `login: grant, grant` format and what each grant means, without any I/O, so that `msac check`
// lints a file and the server loads it with the same rules.
import { splitCommaList } from "./commaList.js";
import { configuredAddressKey, domainKey } from "./addressKey.js";
/**
 * Reads one grant: `*` (every address), `@domain` (every address at exactly that domain, not its
 * subdomains: each host name is written down) or `local@domain`.
 */
export function parseSenderGrant(text) {
    if (text === "*")
        return { kind: "all" };
    if (text.startsWith("@")) {
        const domain = domainKey(text.slice(1));
        if (domain === undefined)
            return { problem: `\`${text.slice(1)}\` in \`${text}\` is not a valid domain name` };
        return { kind: "domain", domain };
    }
    const address = configuredAddressKey(text);
    return "problem" in address ? address : { kind: "address", key: address.key };
}
/** Offset of the `#` that starts a comment, or the line's length; a `#` inside a quoted local part is text. */
function commentStart(line) {
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
        const char = line[i];
        if (quoted && char === "\\")
            i++;
        else if (char === '"')
            quoted = !quoted;
        else if (char === "#" && !quoted)
            return i;
    }
    return line.length;
}
/**
 * Parses a senders map file: the lines of a `senders { }` block (`login: grant, grant`, `#` starts
 * a comment), so a block can move into a file unchanged. No I/O, so `msac check` and the server
 * share it. A login listed twice is reported and its later line ignored, as the checker does inline.
 */
export function sendersFromFile(text) {
    const entries = [];
    const problems = [];
    const firstLine = new Map();
    const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
    body.split("\n").forEach((rawLine, index) => {
        const line = index + 1;
        const content = rawLine.replace(/\r$/, "").slice(0, commentStart(rawLine.replace(/\r$/, "")));
        if (content.trim() === "")
            return;
        const indent = content.length - content.trimStart().length;
        const colon = content.indexOf(":");
        if (colon < 0) {
            const trimmed = content.trim();
            problems.push({ line, column: indent + 1, endColumn: indent + trimmed.length + 1, message: `missing \`:\` after the login in \`${trimmed}\`` });
            return;
        }
        const login = content.slice(0, colon).trim();
        if (login === "" || /\s/.test(login)) {
            problems.push({
                line,
                column: indent + 1,
                // an empty login underlines the colon, so that something is underlined
                endColumn: login === "" ? colon + 2 : colon + 1,
                message: login === "" ? "empty login before `:`" : `login \`${login}\` contains whitespace`,
            });
            return;
        }
        const previous = firstLine.get(login);
        if (previous !== undefined) {
            problems.push({
                line,
                column: indent + 1,
                endColumn: indent + login.length + 1,
                message: `login \`${login}\` is listed twice, first on line ${previous}; this line is ignored`,
            });
            return;
        }
        firstLine.set(login, line);
        const grants = [];
        const seen = new Set();
        const pieces = splitCommaList(content.slice(colon + 1), colon + 1);
        if (pieces.length === 1 && pieces[0].text === "") {
            problems.push({ line, column: indent + 1, endColumn: colon + 2, message: `no address listed for \`${login}\`` });
        }
        for (const piece of pieces) {
            const column = piece.start + 1;
            const endColumn = column + Math.max(1, piece.text.length);
            if (piece.text === "") {
                if (pieces.length > 1)
                    problems.push({ line, column, endColumn, message: "empty entry between commas" });
                continue;
            }
            if (/\s/.test(piece.text) && !piece.text.startsWith('"')) {
                problems.push({ line, column, endColumn, message: `\`${piece.text}\` contains whitespace; separate entries with \`,\`` });
                continue;
            }
            const grant = parseSenderGrant(piece.text);
            if ("problem" in grant) {
                problems.push({ line, column, endColumn, message: grant.problem });
                continue;
            }
            const key = grant.kind === "all" ? "*" : grant.kind === "domain" ? `@${grant.domain}` : grant.key;
            if (seen.has(key)) {
                problems.push({ line, column, endColumn, message: `\`${piece.text}\` is listed twice for \`${login}\`` });
                continue;
            }
            seen.add(key);
            grants.push(piece.text);
        }
        entries.push({ login, grants, line });
    });
    return { entries, problems };
}
//# sourceMappingURL=sendersFile.js.map