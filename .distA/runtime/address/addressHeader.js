// Finds, qualifies and rewrites the addr-specs in address-list header field bodies
// (RFC 5322 section 3.4: From, Sender, Reply-To, To, Cc, Bcc and Resent- forms) without
// disturbing a single other byte: display names, comments and folding stay as written.
const WHITESPACE = new Set([" ", "\t", "\r", "\n"]);
// RFC 5322 section 3.2.3 specials, plus the unbalanced closers.
const SPECIALS = new Set(["(", ")", "<", ">", "[", "]", ":", ";", "@", "\\", ",", ".", '"']);
/** Offset just past a bracketed construct starting at `start`, honouring quoted-pairs. */
function scanDelimited(text, start, close) {
    for (let i = start + 1; i < text.length; i++) {
        if (text[i] === "\\")
            i++;
        else if (text[i] === close)
            return { end: i + 1, closed: true };
    }
    return { end: text.length, closed: false };
}
/** Offset just past a (possibly nested, RFC 5322 section 3.2.2) comment starting at `start`. */
function scanComment(text, start) {
    let depth = 0;
    for (let i = start; i < text.length; i++) {
        const char = text[i];
        if (char === "\\")
            i++;
        else if (char === "(")
            depth++;
        else if (char === ")" && --depth === 0)
            return i + 1;
    }
    return text.length;
}
function tokenize(text) {
    const tokens = [];
    let i = 0;
    while (i < text.length) {
        const char = text[i];
        if (WHITESPACE.has(char)) {
            i++;
        }
        else if (char === "(") {
            i = scanComment(text, i);
        }
        else if (char === '"' || char === "[") {
            const { end, closed } = scanDelimited(text, i, char === '"' ? '"' : "]");
            tokens.push({ kind: char === '"' ? "quoted" : "literal", start: i, end, closed });
            i = end;
        }
        else if (SPECIALS.has(char)) {
            tokens.push({ kind: "special", start: i, end: i + 1, closed: true });
            i++;
        }
        else {
            const start = i;
            while (i < text.length && !WHITESPACE.has(text[i]) && !SPECIALS.has(text[i]))
                i++;
            tokens.push({ kind: "atom", start, end: i, closed: true });
        }
    }
    return tokens;
}
function isSpecial(text, token, char) {
    return token !== undefined && token.kind === "special" && text[token.start] === char;
}
/**
 * Parses tokens as exactly one addr-spec: local-part ["@" domain]. The local part
 * is lenient about dots (obs-local-part, and addresses like "a..b" seen in the
 * wild) but needs dots between its words; the domain must be a well-formed
 * dot-atom or domain-literal, so that appending ".D" can never produce "host..D".
 */
function parseAddrSpec(text, tokens) {
    const atIndex = tokens.findIndex((token) => isSpecial(text, token, "@"));
    const local = atIndex < 0 ? tokens : tokens.slice(0, atIndex);
    let previousWasWord = false;
    let words = 0;
    for (const token of local) {
        const isWord = token.kind === "atom" || (token.kind === "quoted" && token.closed);
        if (isWord) {
            if (previousWasWord)
                return null;
            words++;
        }
        else if (!isSpecial(text, token, ".")) {
            return null;
        }
        previousWasWord = isWord;
    }
    if (words === 0)
        return null;
    if (atIndex < 0)
        return { local, domain: null };
    const domain = tokens.slice(atIndex + 1);
    if (domain.length === 1 && domain[0].kind === "literal") {
        return domain[0].closed ? { local, domain } : null;
    }
    // dot-atom: atom *("." atom)
    if (domain.length === 0 || domain.length % 2 === 0)
        return null;
    const wellFormed = domain.every((token, index) => (index % 2 === 0 ? token.kind === "atom" : isSpecial(text, token, ".")));
    return wellFormed ? { local, domain } : null;
}
/** RFC 5322 section 3.2.5 phrase (with obs-phrase's "."): words only, so never an address. */
function isPhrase(text, tokens) {
    return tokens.every((token) => token.kind === "atom" || (token.kind === "quoted" && token.closed) || isSpecial(text, token, "."));
}
/**
 * Finds the addr-spec of one mailbox (the tokens between list separators): the
 * contents of a single angle-addr, after a display name that is a phrase and
 * before nothing; otherwise the whole segment must be an addr-spec. Anything
 * ambiguous (two angle-addrs, an unclosed "<", an unquoted address as display
 * name, text after ">") yields nothing, so it is neither reported nor rewritten:
 * mail readers split such text in different ways (issue 13), and
 * malformedMailboxes names it for checks that must not pass it by.
 */
function parseMailbox(text, segment) {
    if (segment.length === 0)
        return null;
    const opens = segment.filter((token) => isSpecial(text, token, "<"));
    const closes = segment.filter((token) => isSpecial(text, token, ">"));
    if (opens.length === 0 && closes.length === 0)
        return parseAddrSpec(text, segment);
    if (opens.length !== 1 || closes.length !== 1)
        return null;
    const open = segment.indexOf(opens[0]);
    const close = segment.indexOf(closes[0]);
    if (close < open || close !== segment.length - 1 || !isPhrase(text, segment.slice(0, open)))
        return null;
    let inner = segment.slice(open + 1, close);
    // obs-angle-addr: "<" obs-route addr-spec ">", where obs-route = obs-domain-list ":"
    if (isSpecial(text, inner[0], "@")) {
        const colon = inner.findIndex((token) => isSpecial(text, token, ":"));
        if (colon < 0)
            return null;
        inner = inner.slice(colon + 1);
    }
    return parseAddrSpec(text, inner);
}
/**
 * Splits the field body into mailboxes and parses each. Group syntax
 * ("display-name ':' [group-list] ';'") is handled by dropping the group's
 * display name; ',' ':' ';' inside an angle-addr (an obs-route) do not separate.
 */
function locateAddrSpecs(text) {
    return parseAddressList(text).found;
}
/** The mailboxes of an address list: those parsed, and the non-empty segments that are no mailbox. */
function parseAddressList(text) {
    const found = [];
    const malformed = [];
    let segment = [];
    let inGroup = false;
    let angleDepth = 0;
    const finishSegment = () => {
        const location = parseMailbox(text, segment);
        if (location)
            found.push(location);
        else if (segment.length > 0)
            malformed.push(segment);
        segment = [];
    };
    for (const token of tokenize(text)) {
        if (isSpecial(text, token, "<"))
            angleDepth++;
        else if (isSpecial(text, token, ">"))
            angleDepth = Math.max(0, angleDepth - 1);
        else if (angleDepth === 0 && isSpecial(text, token, ",")) {
            finishSegment();
            continue;
        }
        else if (angleDepth === 0 && isSpecial(text, token, ":") && !inGroup) {
            // The tokens so far are the group's display name, never an address.
            segment = [];
            inGroup = true;
            continue;
        }
        else if (angleDepth === 0 && isSpecial(text, token, ";")) {
            // A ";" ends a group; outside one it is stray, and treated as a separator.
            finishSegment();
            inGroup = false;
            continue;
        }
        segment.push(token);
    }
    finishSegment();
    return { found, malformed };
}
/**
 * The text of each mailbox in an address-list field body that is not RFC 5322 syntax and so
 * is left out by listHeaderAddresses (`carol@example.test <alice@example.test>`,
 * `<alice@example.test> carol@example.test`, an unclosed "<"), in order, unfolded. A check
 * that judges a field's addresses refuses these: a reader may show any part of them.
 */
export function malformedMailboxes(fieldBody) {
    return parseAddressList(fieldBody).malformed.map((tokens) => fieldBody.slice(tokens[0].start, tokens[tokens.length - 1].end).replace(/\r?\n(?=[ \t])/g, ""));
}
function tokenText(text, tokens) {
    // Unfold (RFC 5322 section 3.2.2): a CRLF inside a quoted-string or literal is not part of it.
    return tokens.map((token) => text.slice(token.start, token.end).replace(/\r?\n(?=[ \t])/g, "")).join("");
}
/**
 * The addr-specs in an address-list field body (the text after "Name:"), in
 * order, with comments and folding whitespace removed and quoted-strings kept
 * quoted: `"Alice" <alice@example.test>, bob (Bob)` gives
 * ["alice@example.test", "bob"]. Unqualified addresses are included as written.
 * Display names and group names are never reported.
 */
export function listHeaderAddresses(fieldBody) {
    return locateAddrSpecs(fieldBody).map((location) => location.domain === null ? tokenText(fieldBody, location.local) : `${tokenText(fieldBody, location.local)}@${tokenText(fieldBody, location.domain)}`);
}
/**
 * Qualifies every unqualified addr-spec in an address-list field body: "alice"
 * becomes "alice@D", "bob@host" becomes "bob@host.D"; addresses with a dotted
 * domain or a domain-literal are left alone. Only the inserted text differs from
 * the input; when nothing needs qualifying the input itself is returned, so that
 * callers can compare. `domain` is inserted as given (pass the A-label form unless
 * the message is RFC 6532 internationalized). Works on strings holding UTF-8
 * decoded text or one character per byte alike, since non-ASCII is only copied.
 */
export function qualifyAddressHeader(fieldBody, domain) {
    const insertions = [];
    for (const location of locateAddrSpecs(fieldBody)) {
        if (location.domain === null) {
            const at = location.local[location.local.length - 1].end;
            insertions.push({ start: at, end: at, text: `@${domain}` });
        }
        else if (location.domain.length === 1 && location.domain[0].kind === "atom") {
            const at = location.domain[0].end;
            insertions.push({ start: at, end: at, text: `.${domain}` });
        }
    }
    return splice(fieldBody, insertions);
}
/** `text` with each range replaced, every other character copied; `text` itself when nothing changes. */
function splice(text, replacements) {
    if (replacements.length === 0)
        return text;
    let result = "";
    let copied = 0;
    for (const replacement of replacements) {
        result += text.slice(copied, replacement.start) + replacement.text;
        copied = replacement.end;
    }
    return result + text.slice(copied);
}
/**
 * Calls `rewrite` for every addr-spec found and replaces the domain (and the local part, when the answer has one) of each one it answers for.
 * Only the replaced ranges differ from the input; when nothing changes the input itself is
 * returned, so callers can compare. Addresses without a domain are offered but cannot be given
 * one here (that is qualifyAddressHeader's job); an answer for them is ignored.
 */
export function rewriteAddressHeader(fieldBody, rewrite) {
    const replacements = [];
    for (const location of locateAddrSpecs(fieldBody)) {
        const domain = location.domain;
        const spec = {
            local: tokenText(fieldBody, location.local),
            domain: domain === null ? null : tokenText(fieldBody, domain),
            literal: domain !== null && domain.length === 1 && domain[0].kind === "literal",
        };
        const answer = rewrite(spec);
        if (answer === null || domain === null)
            continue;
        const local = location.local;
        if (answer.local !== undefined && answer.local !== spec.local)
            replacements.push({ start: local[0].start, end: local[local.length - 1].end, text: answer.local });
        if (answer.domain !== spec.domain)
            replacements.push({ start: domain[0].start, end: domain[domain.length - 1].end, text: answer.domain });
    }
    return splice(fieldBody, replacements);
}
//# sourceMappingURL=addressHeader.js.map