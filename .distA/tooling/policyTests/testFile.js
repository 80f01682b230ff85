// The policy test file format (`*.msa.test`, next to the policy it tests):
//
//   policy dev.msa                      # optional: default is this file's name without `.test`
//   case a stranger cannot submit       # a case: its name, then its indented lines
//     EHLO client.example               # session lines, exactly as `msac simulate` reads them
//     MAIL FROM:<x@example.com>
//     expect 530 5.7.0                  # the reply to the command above
//     expect would-refuse 550 5.7.1     # an `observe` rule would have refused the command above
//     expect envelope from A to B C     # the message the last DATA delivered
//     expect header Sender: a@b.test    # a field of that message (`*` matches anything)
//     expect no header Bcc
//
// Parsing only; `run.ts` runs the cases through the simulator.
import { closestMatch } from "../../grammar/spelling.js";
import { isComment, readStep } from "../simulate/script.js";
const EXPECT_REPLY = /^expect\s+(\d{3})(?:\s+(\d\.\d{1,3}\.\d{1,3}))?$/;
const EXPECT_WOULD_REFUSE = /^expect\s+would-refuse\s+(\d{3})(?:\s+(\d\.\d{1,3}\.\d{1,3}))?$/;
const EXPECT_ENVELOPE = /^expect\s+envelope\s+from\s+(\S+)\s+to\s+(.+)$/;
const EXPECT_HEADER = /^expect\s+(no\s+)?header\s+([^\s:]+)(?::\s*(.*))?$/;
function parseExpectation(text, line) {
    let m = EXPECT_REPLY.exec(text);
    if (m)
        return { kind: "reply", line, text, code: Number(m[1]), ...(m[2] ? { enhanced: m[2] } : {}) };
    m = EXPECT_WOULD_REFUSE.exec(text);
    if (m)
        return { kind: "wouldRefuse", line, text, code: Number(m[1]), ...(m[2] ? { enhanced: m[2] } : {}) };
    m = EXPECT_ENVELOPE.exec(text);
    if (m) {
        const unbracket = (a) => a.replace(/^<(.*)>$/, "$1");
        return {
            kind: "envelope",
            line,
            text,
            from: unbracket(m[1]),
            to: m[2]
                .split(/[\s,]+/)
                .filter(Boolean)
                .map(unbracket),
        };
    }
    m = EXPECT_HEADER.exec(text);
    if (m) {
        if (m[1] && m[3] !== undefined)
            return "`expect no header` takes a field name only, as in `expect no header Bcc`";
        return { kind: "header", line, text, name: m[2], absent: !!m[1], ...(m[3] !== undefined ? { value: m[3].trim() } : {}) };
    }
    return "unknown expectation; write `expect CODE [ENHANCED]`, `expect would-refuse CODE [ENHANCED]`, `expect envelope from A to B`, `expect header Name: value` or `expect no header Name`";
}
/** Commands a session line may start with (RFC 5321 and the extensions msa knows); they are never taken for a misspelt keyword. */
const SMTP_VERBS = new Set(["HELO", "EHLO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "VRFY", "EXPN", "HELP", "NOOP", "QUIT", "STARTTLS", "AUTH", "ETRN"]);
/**
 * The problem with a line whose first word is a misspelling of one of `keywords`, or undefined.
 * Without this, `expcet 250` would be sent as an SMTP command and the case pass without checking anything.
 */
function misspeltKeyword(text, keywords) {
    const word = text.split(/\s/, 1)[0];
    if (keywords.includes(word) || SMTP_VERBS.has(word.toUpperCase()))
        return undefined;
    const suggestion = closestMatch(word, keywords);
    return suggestion ? `unknown keyword \`${word}\`; did you mean \`${suggestion}\`?` : undefined;
}
export function parseTestFile(file, text) {
    const lines = text.split("\n");
    const result = { file, cases: [], problems: [] };
    let current;
    for (let index = 0; index < lines.length;) {
        const raw = lines[index].replace(/\r$/, "");
        const text = raw.trim();
        const line = index + 1;
        if (text === "" || isComment(text)) {
            index++;
            continue;
        }
        const indented = /^\s/.test(raw);
        if (!indented) {
            index++;
            const policy = /^policy\s+(\S+)$/.exec(text);
            const caseLine = /^case\s+(.+)$/.exec(text);
            if (policy) {
                if (result.policy || result.cases.length > 0)
                    result.problems.push({ line, message: "`policy` comes once, before the first case" });
                result.policy = policy[1];
            }
            else if (caseLine) {
                current = { name: caseLine[1].trim(), line, items: [] };
                result.cases.push(current);
            }
            else {
                result.problems.push({ line, message: misspeltKeyword(text, ["policy", "case"]) ?? "expected `policy FILE` or `case NAME` (the lines of a case are indented)" });
            }
            continue;
        }
        if (!current) {
            result.problems.push({ line, message: "an indented line outside a case; start one with `case NAME`" });
            index++;
            continue;
        }
        if (text.startsWith("expect")) {
            const expectation = parseExpectation(text.replace(/\s+#.*$/, ""), line);
            const last = current.items[current.items.length - 1];
            if (typeof expectation === "string")
                result.problems.push({ line, message: expectation });
            else if (!last)
                result.problems.push({ line, message: "an expectation needs a command before it" });
            else
                last.expectations.push(expectation);
            index++;
            continue;
        }
        const misspelt = misspeltKeyword(text, ["expect"]);
        if (misspelt) {
            result.problems.push({ line, message: misspelt });
            index++;
            continue;
        }
        const indent = /^\s*/.exec(raw)[0];
        const read = readStep(lines, index, 1, indent);
        if (read.step)
            current.items.push({ step: read.step, expectations: [] });
        if (read.problem)
            result.problems.push(read.problem);
        index = read.next;
    }
    for (const c of result.cases)
        if (c.items.length === 0)
            result.problems.push({ line: c.line, message: `case \`${c.name}\` has no session lines` });
    return result;
}
//# sourceMappingURL=testFile.js.map