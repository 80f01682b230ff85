// The session script that `msac simulate` and `msac test` read: SMTP command lines
// as a client sends them, DATA followed by message lines up to `.`, and
// pseudo-commands for what the wire cannot express (`#tls`, `#auth LOGIN`,
// `#auth-fail LOGIN`, `#from IP`, `#listener PORT`, `#advance DURATION`).
// Parsing only: running a script is `session.ts`'s job.
import { parseDuration } from "../../compiler/duration.js";
import { closestMatch } from "../../grammar/spelling.js";
const PSEUDO_COMMANDS = ["tls", "auth", "auth-fail", "from", "listener", "advance"];
const PSEUDO = /^#(tls|auth-fail|auth|from|listener|advance)(?:\s+(.*))?$/;
/**
 * `#` directly followed by a letter is a pseudo-command, known or misspelt: a misspelt
 * `#atuh` read as a comment would silently run the session without its login.
 */
const PSEUDO_SHAPED = /^#([A-Za-z][\w-]*)/;
/** Is `text` (already trimmed) a comment rather than a pseudo-command? A comment is `#` followed by a space or nothing. */
export function isComment(text) {
    return text.startsWith("#") && !PSEUDO_SHAPED.test(text);
}
/**
 * Reads script lines from `lines[index]` on. `indent` is stripped from message lines so a
 * script nested in a test case can hold folded header lines (which start with whitespace).
 * Returns the step, or a problem, and the index of the next unread line.
 */
export function readStep(lines, index, firstLine, indent = "") {
    const raw = lines[index].replace(/\r$/, "");
    const text = raw.trim();
    const line = firstLine + index;
    const pseudo = PSEUDO.exec(text);
    if (pseudo) {
        const argument = (pseudo[2] ?? "").trim();
        switch (pseudo[1]) {
            case "tls":
                return { step: { kind: "tls", line, text }, next: index + 1 };
            case "auth":
                if (!/^\S+$/.test(argument))
                    return { problem: { line, message: "`#auth` takes one login, as in `#auth alice`" }, next: index + 1 };
                return { step: { kind: "auth", line, text, login: argument }, next: index + 1 };
            case "auth-fail":
                if (!/^\S+$/.test(argument))
                    return { problem: { line, message: "`#auth-fail` takes one login, as in `#auth-fail alice`" }, next: index + 1 };
                return { step: { kind: "authFail", line, text, login: argument }, next: index + 1 };
            case "advance": {
                const ms = parseDuration(argument);
                if (ms === undefined)
                    return { problem: { line, message: `\`#advance\` takes a duration such as \`30s\`, \`15m\`, \`1h\` or \`1d\`, not \`${argument}\`` }, next: index + 1 };
                return { step: { kind: "advance", line, text, ms }, next: index + 1 };
            }
            case "listener":
                if (!/^\S+$/.test(argument))
                    return { problem: { line, message: "`#listener` takes a port or ADDRESS:PORT of the policy, as in `#listener 587`" }, next: index + 1 };
                return { step: { kind: "listener", line, text, endpoint: argument }, next: index + 1 };
            default:
                if (!/^\S+$/.test(argument))
                    return { problem: { line, message: "`#from` takes one client IP address, as in `#from 192.0.2.7`" }, next: index + 1 };
                return { step: { kind: "from", line, text, address: argument }, next: index + 1 };
        }
    }
    const unknown = PSEUDO_SHAPED.exec(text);
    if (unknown) {
        const suggestion = closestMatch(unknown[1], PSEUDO_COMMANDS);
        const advice = suggestion ? `did you mean \`#${suggestion}\`?` : `the pseudo-commands are ${PSEUDO_COMMANDS.map((c) => "`#" + c + "`").join(", ")}`;
        return { problem: { line, message: `unknown directive \`#${unknown[1]}\`; ${advice} (a comment starts with \`# \`)` }, next: index + 1 };
    }
    if (/^DATA$/i.test(text)) {
        const message = [];
        let next = index + 1;
        for (; next < lines.length; next++) {
            const body = lines[next].replace(/\r$/, "");
            const content = body.startsWith(indent) ? body.slice(indent.length) : body.trimStart();
            if (content === ".")
                return { step: { kind: "data", line, text, message }, next: next + 1 };
            message.push(content);
        }
        return { problem: { line, message: "DATA without a line holding only `.` to end the message" }, next };
    }
    if (/^AUTH\b/i.test(text)) {
        return {
            problem: { line, message: "write `#auth LOGIN` to simulate a successful AUTH, or `#auth-fail LOGIN` for a wrong password (no password is sent in a simulation)" },
            next: index + 1,
        };
    }
    return { step: { kind: "command", line, text }, next: index + 1 };
}
/** A whole script: every non-blank, non-comment line is a step. */
export function parseScript(text) {
    const lines = text.split("\n");
    const steps = [];
    const problems = [];
    for (let index = 0; index < lines.length;) {
        const text = lines[index].trim();
        if (text === "" || isComment(text)) {
            index++;
            continue;
        }
        const read = readStep(lines, index, 1);
        if (read.step)
            steps.push(read.step);
        if (read.problem)
            problems.push(read.problem);
        index = read.next;
    }
    return { steps, problems };
}
//# sourceMappingURL=script.js.map