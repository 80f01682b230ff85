// Parses an aliases file (`name: target, target`, the /etc/aliases format of sendmail and Postfix
// aliases(5)) into entries and problems without any I/O, and finds alias loops, so `msac check`
// lints the file and the server loads it with the same rules (RFC 6409 section 8.7 leaves alias
// expansion to the MSA's policy). Never throws for a user's mistake.
//
// msa expands aliases to addresses only: the `|command`, `/file` and `:include:` targets of local
// delivery agents are refused, since an MSA hands every message to a next hop (RFC 6409 section 1).
import { splitCommaList } from "./commaList.js";
import { toALabels } from "./domainName.js";
/** Offset of the `#` that starts a comment; only at the start of a line, as aliases(5) says. */
function isCommentLine(line) {
    return /^\s*#/.test(line);
}
/** Joins continuation lines (starting with SP or HTAB, aliases(5)) to the line above. */
function logicalLines(text, problems) {
    const result = [];
    let current = null;
    text.split("\n").forEach((raw, index) => {
        const line = index + 1;
        const content = raw.replace(/\r$/, "");
        if (content.trim() === "") {
            // A blank line ends an entry: what follows indented is a new mistake, not a continuation.
            current = null;
            return;
        }
        if (isCommentLine(content))
            return;
        if (/^[ \t]/.test(content)) {
            if (current === null) {
                const start = content.length - content.trimStart().length;
                problems.push({ line, column: start + 1, endColumn: content.length + 1, message: "continuation line (starting with a space or tab) without an alias above it" });
                return;
            }
            current.parts.push({ text: content, line, column: 1 });
            return;
        }
        current = { parts: [{ text: content, line, column: 1 }] };
        result.push(current);
    });
    return result;
}
/** Splits a piece at commas outside double quotes, keeping columns. */
function splitTargets(text, line, firstColumn) {
    return splitCommaList(text)
        .filter((piece) => piece.text !== "")
        .map((piece) => ({ value: piece.text, line, column: firstColumn + piece.start }));
}
/** Why a target cannot be used, or undefined. */
function targetProblem(value) {
    if (value.startsWith("|"))
        return `\`${value}\` is a command; msa expands aliases to addresses only`;
    if (value.startsWith("/"))
        return `\`${value}\` is a file; msa expands aliases to addresses only`;
    if (/^:include:/i.test(value))
        return `\`${value}\` includes a file; msa expands aliases to addresses only`;
    if (/\s/.test(value) && !value.startsWith('"'))
        return `\`${value}\` contains whitespace; separate targets with \`,\``;
    const at = value.lastIndexOf("@");
    if (at === 0 || at === value.length - 1)
        return `\`${value}\` is not an address`;
    return undefined;
}
export function parseAliasesFile(text) {
    const problems = [];
    const entries = [];
    const firstLine = new Map();
    const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
    for (const logical of logicalLines(body, problems)) {
        const first = logical.parts[0];
        const colon = first.text.indexOf(":");
        if (colon < 0) {
            problems.push({ line: first.line, column: 1, endColumn: first.text.length + 1, message: `missing \`:\` after the alias name in \`${first.text.trim()}\`` });
            continue;
        }
        const rawName = first.text.slice(0, colon);
        const name = rawName.trimEnd();
        if (name === "") {
            problems.push({ line: first.line, column: 1, endColumn: 2, message: "empty alias name before `:`" });
            continue;
        }
        if (/\s/.test(name) && !/^"[^"]*"$/.test(name)) {
            problems.push({ line: first.line, column: 1, endColumn: name.length + 1, message: `alias name \`${name}\` contains whitespace` });
            continue;
        }
        if (name.includes("@")) {
            problems.push({
                line: first.line,
                column: 1,
                endColumn: name.length + 1,
                message: `alias name \`${name}\` has a domain; an alias is a local part and applies to every local domain`,
            });
            continue;
        }
        const key = aliasNameKey(name);
        const previous = firstLine.get(key);
        if (previous !== undefined) {
            problems.push({ line: first.line, column: 1, endColumn: name.length + 1, message: `alias \`${name}\` is defined twice, first on line ${previous}; this entry is ignored` });
            continue;
        }
        const targets = [];
        const pieces = [{ text: first.text.slice(colon + 1), line: first.line, column: colon + 2 }, ...logical.parts.slice(1)];
        for (const piece of pieces) {
            for (const target of splitTargets(piece.text, piece.line, piece.column)) {
                const problem = targetProblem(target.value);
                if (problem)
                    problems.push({ line: target.line, column: target.column, endColumn: target.column + target.value.length, message: problem });
                else
                    targets.push(target);
            }
        }
        if (targets.length === 0) {
            problems.push({ line: first.line, column: 1, endColumn: colon + 2, message: `alias \`${name}\` has no target` });
            continue;
        }
        firstLine.set(key, first.line);
        entries.push({ name, targets, line: first.line, column: 1 });
    }
    return { entries, problems };
}
/** An alias name in the form compared: quotes removed, NFC, lowercase (aliases(5) names are case-insensitive). */
export function aliasNameKey(name) {
    const unquoted = /^"(?:[^"\\]|\\[\s\S])*"$/.test(name) ? name.slice(1, -1).replace(/\\([\s\S])/g, "$1") : name;
    return unquoted.normalize("NFC").toLowerCase();
}
/** A local domain in the form compared: lowercase A-labels (an invalid name is only lowercased). */
export function aliasDomainKey(domain) {
    return toALabels(domain.normalize("NFC")) ?? domain.normalize("NFC").toLowerCase();
}
/**
 * The alias name a target refers to (lowercase: alias names are case-insensitive, as in
 * aliases(5)), or null when it is a final address. `localDomains` holds aliasDomainKey forms.
 */
export function aliasNameOfTarget(target, localDomains) {
    const at = target.lastIndexOf("@");
    if (at < 0)
        return aliasNameKey(target);
    if (!localDomains.has(aliasDomainKey(target.slice(at + 1))))
        return null;
    return aliasNameKey(target.slice(0, at));
}
/**
 * Strongly connected components with more than one node (Tarjan, iterative so a long chain cannot
 * overflow the stack). A single node with an edge to itself is not reported: `alice: alice, ...`
 * is the sendmail idiom for "deliver to the mailbox too", not a loop.
 */
export function findCycles(nodes, edges) {
    const index = new Map();
    const low = new Map();
    const onStack = new Set();
    const stack = [];
    const cycles = [];
    let counter = 0;
    for (const root of nodes) {
        if (index.has(root))
            continue;
        const work = [];
        const visit = (node) => {
            index.set(node, counter);
            low.set(node, counter);
            counter++;
            stack.push(node);
            onStack.add(node);
            work.push({ node, next: 0, out: edges(node) });
        };
        visit(root);
        while (work.length > 0) {
            const frame = work[work.length - 1];
            if (frame.next < frame.out.length) {
                const target = frame.out[frame.next++];
                if (!index.has(target))
                    visit(target);
                else if (onStack.has(target))
                    low.set(frame.node, Math.min(low.get(frame.node), index.get(target)));
                continue;
            }
            work.pop();
            const parent = work[work.length - 1];
            if (parent)
                low.set(parent.node, Math.min(low.get(parent.node), low.get(frame.node)));
            if (low.get(frame.node) === index.get(frame.node)) {
                const component = [];
                let member;
                do {
                    member = stack.pop();
                    onStack.delete(member);
                    component.push(member);
                } while (member !== frame.node);
                if (component.length > 1)
                    cycles.push(component.reverse());
            }
        }
    }
    return cycles;
}
/**
 * Alias loops for `msac check`: groups of aliases that expand into each other (a -> b -> a).
 * A bare target is an alias name; `name@D` is one too when D is one of `localDomains`.
 */
export function findAliasLoops(entries, localDomains = []) {
    const domains = new Set(localDomains.map(aliasDomainKey));
    const byName = new Map(entries.map((entry) => [aliasNameKey(entry.name), entry]));
    const edges = (name) => (byName.get(name)?.targets ?? []).map((target) => aliasNameOfTarget(target.value, domains)).filter((target) => target !== null && byName.has(target));
    return findCycles([...byName.keys()], edges)
        .map((component) => component.map((name) => byName.get(name)).sort((a, b) => a.line - b.line))
        .map((members) => ({ names: members.map((m) => m.name), lines: members.map((m) => m.line) }))
        .sort((a, b) => a.lines[0] - b.lines[0]);
}
//# sourceMappingURL=aliasesFile.js.map