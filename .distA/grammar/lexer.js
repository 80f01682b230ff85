// The tokens of the policy language. Values that mail cares about (sizes,
// durations, ADDRESS:PORT, smtp:// URLs, addresses) are tokens of their own so
// the parser and checker see typed values; comments are kept in a group so the
// formatter and the language server get them back. Keywords come from the rule
// modules (`keywords(...)`), so the lexer is built once they are all known.
import { createToken, Lexer } from "./chevrotain.js";
// Invisible format characters (zero-width spaces and joiners, soft hyphen, direction marks) are
// never part of a word: pasted into a policy they would make `Date` differ from `Date`; the lexer
// reports them instead.
const INVISIBLE = String.raw `\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff`;
/**
 * Every character a bare word (or an address) may start with, for chevrotain's
 * first-character index, which cannot be computed for a `[^...]` pattern. Above
 * Latin-1 chevrotain indexes characters in buckets; every code unit is listed,
 * in ascending order, so each bucket is entered once and IDN words still lex.
 */
function startCharsExcept(excluded) {
    const codes = [];
    for (let code = 0; code < 256; code++)
        if (!excluded.test(String.fromCharCode(code)))
            codes.push(code);
    for (let code = 256; code < 0x10000; code++)
        codes.push(code);
    return codes;
}
const BARE_START = startCharsExcept(/[\s"{}:,#\u00ad]/);
// Characters that end a bare word: space, quotes, braces, colon, comma, comment.
const WORD_END = String.raw `(?![^\s"{}:,#${INVISIBLE}])`;
/** Any token but the end of a line: what a line the parser does not know may contain. */
export const Anything = createToken({ name: "Anything", pattern: Lexer.NA, label: "anything" });
/** A token that cannot start a rule: the first token of a line that is not a rule. */
export const NotAVerb = createToken({ name: "NotAVerb", pattern: Lexer.NA, label: "not a rule" });
const VALUE = [NotAVerb, Anything];
export const Newline = createToken({ name: "Newline", pattern: /\r?\n/, label: "the end of the line", line_breaks: true });
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t]+/, group: Lexer.SKIPPED });
// Editors on Windows may save a byte order mark; it is invisible and means nothing here.
export const ByteOrderMark = createToken({ name: "ByteOrderMark", pattern: /\uFEFF/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: "Comment", pattern: /#[^\r\n]*/, group: "comments" });
export const LBrace = createToken({ name: "LBrace", pattern: "{", categories: VALUE, label: "`{`" });
export const RBrace = createToken({ name: "RBrace", pattern: "}", categories: VALUE, label: "`}`" });
export const Colon = createToken({ name: "Colon", pattern: ":", categories: VALUE, label: "`:`" });
export const Comma = createToken({ name: "Comma", pattern: ",", categories: VALUE, label: "`,`" });
export const StringLiteral = createToken({
    name: "StringLiteral",
    categories: VALUE,
    pattern: /"(?:[^"\\\r\n]|\\.)*"/,
    label: "a quoted string",
});
export const UnterminatedString = createToken({
    name: "UnterminatedString",
    categories: VALUE,
    pattern: /"(?:[^"\\\r\n]|\\.)*/,
    label: "an unterminated string",
});
export const Url = createToken({
    name: "Url",
    categories: VALUE,
    pattern: new RegExp(String.raw `[a-z][a-z0-9+.-]*://[^\s"#${INVISIBLE}]*`),
    label: "a URL such as `smtp://127.0.0.1:25`",
});
/** `inet:ADDRESS:PORT` or `unix:/PATH`, where a milter listens (Postfix's smtpd_milters spelling). */
export const MilterSocket = createToken({
    name: "MilterSocket",
    categories: VALUE,
    pattern: new RegExp(String.raw `(?:inet|unix):[^\s"#${INVISIBLE}]+`),
    label: "a milter socket such as `inet:127.0.0.1:11332` or `unix:/run/milter.sock`",
});
export const HostPort = createToken({
    name: "HostPort",
    categories: VALUE,
    pattern: new RegExp(String.raw `(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]|\*|localhost):\d+` + WORD_END),
    label: "an `ADDRESS:PORT` such as `127.0.0.1:2525`",
});
/**
 * An IP network with its prefix length, `192.0.2.0/24` or `2001:db8::/32` (`allow unauthenticated
 * from`): its own token, since the colons of a bare IPv6 network would otherwise read as separators.
 */
export const NetworkLiteral = createToken({
    name: "NetworkLiteral",
    categories: VALUE,
    pattern: new RegExp(String.raw `(?:[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*|\d{1,3}(?:\.\d{1,3}){3})/\d{1,3}` + WORD_END),
    label: "a network such as `192.0.2.0/24`",
});
/** An IPv6 address in brackets, as in `proxy from [2001:db8::1]` (a bare IPv6 address would read as colons). */
export const BracketedAddress = createToken({
    name: "BracketedAddress",
    categories: VALUE,
    pattern: new RegExp(String.raw `\[[0-9A-Fa-f:.]+\]` + WORD_END),
    label: "an address in brackets such as `[::1]`",
});
export const Size = createToken({
    name: "Size",
    categories: VALUE,
    pattern: new RegExp(String.raw `\d+(?:KiB|MiB|GiB|KB|MB|GB|B)` + WORD_END),
    label: "a size such as `10MB`",
});
export const Duration = createToken({
    name: "Duration",
    categories: VALUE,
    pattern: new RegExp(String.raw `\d+(?:s|m|h|d)` + WORD_END),
    label: "a duration such as `30s` or `5d`",
});
export const NumberLiteral = createToken({
    name: "NumberLiteral",
    categories: VALUE,
    pattern: new RegExp(String.raw `\d+` + WORD_END),
    label: "a number",
});
export const Address = createToken({
    name: "Address",
    categories: VALUE,
    pattern: new RegExp(String.raw `[^\s"{}:,#@${INVISIBLE}]*@[^\s"{}:,#@${INVISIBLE}]+`),
    start_chars_hint: BARE_START,
    label: "an address such as `alice@example.com`",
});
/**
 * `/PATTERN/FLAGS`, a regular expression (RE2 syntax, formats/pattern.ts): a backslash escapes the
 * next character (`\/` is a slash in the pattern), flags are letters after the closing slash. Tried
 * before the bare word, so a word that starts with a slash and is not a whole pattern (`/etc/x.pem`)
 * is still a word; paths are quoted strings anyway.
 */
export const Regex = createToken({
    name: "Regex",
    categories: VALUE,
    pattern: new RegExp(String.raw `/(?:[^/\\\r\n]|\\[^\r\n])*/[A-Za-z]*` + WORD_END),
    label: "a regular expression such as `/^\\[SPAM\\]/i`",
});
/** Any bare word: domains, logins, header names. Keywords are also names, so a login called `log` still parses. */
export const Name = createToken({ name: "Name", pattern: Lexer.NA, label: "a name" });
export const Word = createToken({
    name: "Word",
    pattern: new RegExp(String.raw `[^\s"{}:,#${INVISIBLE}]+`),
    start_chars_hint: BARE_START,
    categories: [Name, NotAVerb, Anything],
    label: "a name",
});
/** One token per keyword, whichever rules use it: `tls` is the same token in `tls certificate`, `listen 587 tls` and `require tls`. */
const keywordTokens = new Map();
function keyword(word) {
    let type = keywordTokens.get(word);
    if (!type) {
        type = createToken({
            name: "Kw" + word[0].toUpperCase() + word.slice(1),
            pattern: new RegExp(word),
            longer_alt: Word,
            categories: [Name, Anything],
            label: "`" + word + "`",
        });
        keywordTokens.set(word, type);
    }
    return type;
}
/** The keyword tokens of `words`, by word: each rule module declares the words it is written with. */
export function keywords(...words) {
    return Object.fromEntries(words.map((word) => [word, keyword(word)]));
}
/** The word of a keyword token, or undefined for any other token. */
export function keywordWord(type) {
    const word = type.PATTERN instanceof RegExp ? type.PATTERN.source : undefined;
    return word !== undefined && keywordTokens.get(word) === type ? word : undefined;
}
/** `observe RULE`: the prefix every refusing rule may take (the statement's, not a rule's). */
export const Observe = keyword("observe");
/** `RULE with [CODE] "TEXT"`: the suffix every refusing rule may take, setting its reply text. */
export const With = keyword("with");
/** `RULE for LOGINS-OR-GROUPS`: the suffix that makes a refusing rule apply to those logins only. */
export const For = keyword("for");
/** `on LISTENER { RULES }`: a block of refusing rules that judge only the sessions on that listener. */
export const On = keyword("on");
/** Every token of the language, given the keywords of every rule: the lexer's and the parser's vocabulary. */
export function vocabulary(ruleKeywords) {
    const keywordTypes = [...new Set([Observe, With, For, On, ...ruleKeywords])];
    return [
        Newline,
        WhiteSpace,
        ByteOrderMark,
        Comment,
        LBrace,
        RBrace,
        StringLiteral,
        UnterminatedString,
        MilterSocket,
        Url,
        HostPort,
        NetworkLiteral,
        BracketedAddress,
        // Before Address: `/@example\.com$/` is a pattern, not an address.
        Regex,
        Size,
        Duration,
        NumberLiteral,
        Address,
        Colon,
        Comma,
        // Longest first, so `add` never hides `address`.
        ...keywordTypes.sort((a, b) => String(b.PATTERN).length - String(a.PATTERN).length),
        Name,
        Anything,
        NotAVerb,
        Word,
    ];
}
export function createPolicyLexer(tokenTypes) {
    // ensureOptimizations: building fails (in every test) rather than silently lexing every character the slow way.
    // Offsets only: spans are offsets (lines and columns are computed when a diagnostic is rendered),
    // and four fewer fields per token is a smaller heap for a 100,000-line `senders` table.
    const lexer = new Lexer(tokenTypes, { positionTracking: "onlyOffset", ensureOptimizations: true });
    return {
        tokenize(text) {
            const result = lexer.tokenize(text);
            const tokens = result.tokens;
            const last = tokens[tokens.length - 1];
            if (!last || last.tokenType !== Newline) {
                tokens.push({
                    image: "",
                    startOffset: text.length,
                    endOffset: text.length - 1,
                    tokenType: Newline,
                    tokenTypeIdx: Newline.tokenTypeIdx,
                });
            }
            return {
                tokens,
                comments: result.groups.comments ?? [],
                errors: result.errors.map((e) => ({ offset: e.offset, length: e.length, message: e.message })),
            };
        },
    };
}
//# sourceMappingURL=lexer.js.map