// Sender canonical files (`rewrite senders "FILE"`, Postfix's sender_canonical_maps): lines
// `OLD NEW`, each an address or `@domain`, read without any I/O so that `msac check` lints a file
// and the server loads it with the same rules. Keys are in addressKey form: the local part exact,
// the domain case-insensitive (RFC 5321 section 2.4).
import { configuredAddressKey, domainKey } from "./addressKey.js";
/** The words of a line, with their 0-based columns; a quoted local part may hold spaces and `#`. */
function wordsOf(line) {
    const words = [];
    let i = 0;
    while (i < line.length) {
        if (/\s/.test(line[i])) {
            i++;
            continue;
        }
        if (line[i] === "#")
            break;
        const start = i;
        let quoted = false;
        while (i < line.length && (quoted || !/\s/.test(line[i]))) {
            if (quoted && line[i] === "\\")
                i++;
            else if (line[i] === '"')
                quoted = !quoted;
            i++;
        }
        words.push({ text: line.slice(start, i), start });
    }
    return words;
}
function sideOf(text) {
    if (text.startsWith("@")) {
        const domain = domainKey(text.slice(1));
        return domain === undefined ? { problem: `\`${text.slice(1)}\` in \`${text}\` is not a valid domain name` } : { kind: "domain", domain };
    }
    const address = configuredAddressKey(text);
    return "problem" in address ? address : { kind: "address", text, key: address.key };
}
/** The key a side is looked up by: the address key, or `@domain`. */
export function canonicalKey(side) {
    return side.kind === "address" ? side.key : `@${side.domain}`;
}
/**
 * Parses a sender canonical file. An OLD written twice (the same address or domain, compared as
 * keys) is reported and its later line ignored, so a file has one meaning whatever its order.
 */
export function canonicalFromFile(text) {
    const entries = [];
    const problems = [];
    const firstLine = new Map();
    const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
    body.split("\n").forEach((rawLine, index) => {
        const line = index + 1;
        const words = wordsOf(rawLine.replace(/\r$/, ""));
        if (words.length === 0)
            return;
        const problem = (word, message) => problems.push({ line, column: word.start + 1, endColumn: word.start + Math.max(1, word.text.length) + 1, message });
        if (words.length !== 2) {
            const last = words[words.length - 1];
            const whole = { text: rawLine.slice(words[0].start, last.start + last.text.length), start: words[0].start };
            problem(whole, words.length === 1 ? `\`${words[0].text}\` has no new address after it; write \`OLD NEW\`` : `expected \`OLD NEW\`, found ${words.length} words`);
            return;
        }
        const [oldWord, newWord] = words;
        const old = sideOf(oldWord.text);
        const replacement = sideOf(newWord.text);
        if ("problem" in old)
            problem(oldWord, old.problem);
        if ("problem" in replacement)
            problem(newWord, replacement.problem);
        if ("problem" in old || "problem" in replacement)
            return;
        const key = canonicalKey(old);
        const previous = firstLine.get(key);
        if (previous !== undefined) {
            problem(oldWord, `\`${oldWord.text}\` is rewritten twice, first on line ${previous}: keep one line`);
            return;
        }
        firstLine.set(key, line);
        entries.push({ old, new: replacement, line });
    });
    return { entries, problems };
}
//# sourceMappingURL=canonicalFile.js.map