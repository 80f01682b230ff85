import { closestMatch, soleClosestMatch } from "../grammar/spelling.js";
import { parseEnvelopeAddress } from "../formats/envelopeAddress.js";
import { domainProblem, toALabels } from "../formats/domainName.js";
import { diagnostic } from "./diagnostics.js";
import { parseDuration } from "./duration.js";
import { deleteLinesFix, deleteListItemFix, deleteWordsFix, replaceFix } from "./fixes.js";
export class CheckContext {
    file;
    policy;
    diagnostics;
    source;
    domains = new Map();
    constructor(file, policy, diagnostics = [], 
    /** The policy's text, for fixes that delete whole lines or words with their blanks ("" when unknown). */
    source = "") {
        this.file = file;
        this.policy = policy;
        this.diagnostics = diagnostics;
        this.source = source;
    }
    /** The same checks and diagnostics, recording into another policy (that of a rule written `for` some logins). */
    withPolicy(policy) {
        return new CheckContext(this.file, policy, this.diagnostics, this.source);
    }
    report(kind, span, message, extra = {}) {
        this.diagnostics.push(diagnostic(kind, this.file, span, message, extra));
    }
    /** The fix that deletes the lines of `span` (nothing when the text is unknown). */
    deleteLines(span, title) {
        return this.source ? { fix: deleteLinesFix(this.source, span, title) } : {};
    }
    /** The fix that deletes the words at `span` with their blanks (nothing when the text is unknown). */
    deleteWords(span, title) {
        return this.source ? { fix: deleteWordsFix(this.source, span, title) } : {};
    }
    /** The fix that deletes one item of a comma-separated list with its comma (nothing when the text is unknown). */
    deleteListItem(span, title) {
        return this.source ? { fix: deleteListItemFix(this.source, span, title) } : {};
    }
    related(span, message) {
        return [{ file: this.file, span, message }];
    }
    /** Reports an unknown word with a suggestion from `known`. */
    unknown(word, where, known, takes) {
        const suggestion = closestMatch(word.value, known);
        this.report("unknownValue", word.span, `unknown \`${word.value}\` in ${where}`, {
            hint: suggestion ? `did you mean \`${suggestion}\`?` : `it takes ${takes ?? known.map((k) => "`" + k + "`").join(", ")}`,
            ...spellingFix(word, known),
        });
    }
    /** A size that did not parse (compiler/size.ts), with the fix when its unit is certain. */
    invalidSize(size, result) {
        this.report("invalidSize", size.span, result.message, {
            ...(result.hint ? { hint: result.hint } : {}),
            ...(result.fix ? { fix: replaceFix(size.span, size.value, result.fix) } : {}),
        });
    }
    /** The names that are header field names (RFC 5322 section 2.2: printable ASCII but the colon); the others are reported. */
    headerFieldNames(names) {
        return names.filter((n) => {
            if (/^[\x21-\x39\x3b-\x7e]+$/.test(n.value))
                return true;
            this.report("unknownValue", n.span, `\`${n.value}\` is not a header field name`);
            return false;
        });
    }
    positive(count) {
        const value = Number(count.value);
        if (!Number.isInteger(value) || value <= 0) {
            this.report("notPositive", count.span, `\`${count.value}\` must be a positive number`);
            return undefined;
        }
        return value;
    }
    duration(text, options = {}) {
        const ms = parseDuration(text.value, options);
        if (ms === undefined) {
            this.report("invalidDuration", text.span, `\`${text.value}\` is not a duration`, {
                hint: options.window ? "write `30s`, `5m`, `1h`, `1d`, or `minute`, `hour`, `day`, `week`" : "write a positive number with `s`, `m`, `h` or `d`, such as `5m`",
            });
        }
        return ms;
    }
    /** An address (lowercase domain) or `@domain` (lowercase A-labels) in a list of recipients or grants. */
    normalizeTarget(target) {
        const text = target.value.startsWith("@") || target.value.includes("@") ? target.value : `@${target.value}`;
        if (text.startsWith("@")) {
            const domain = this.domain(text.slice(1));
            if (domain.problem !== undefined) {
                this.report("invalidDomain", target.span, domain.problem);
                return undefined;
            }
            return `@${domain.ascii}`;
        }
        return this.normalizePolicyAddress(target);
    }
    /** `local@domain` with the domain in lowercase A-labels, or undefined after reporting why not. */
    normalizePolicyAddress(address) {
        const at = address.value.lastIndexOf("@");
        if (at <= 0) {
            this.report("invalidAddress", address.span, `\`${address.value}\` is not an address`, { hint: "write `local@domain`, such as `alice@example.com`" });
            return undefined;
        }
        const domain = this.domain(address.value.slice(at + 1));
        if (domain.problem !== undefined) {
            this.report("invalidAddress", address.span, `\`${address.value}\` is not a valid address: ${domain.problem}`);
            return undefined;
        }
        // The server reads a grant with the parser it applies to MAIL FROM (senderGrants.ts), which
        // ignores a grant it cannot parse: what it would ignore is an error here.
        const parsed = parseEnvelopeAddress(address.value, { smtputf8: true });
        if (!parsed.ok) {
            this.report("invalidAddress", address.span, `\`${address.value}\` is not a valid address: ${parsed.reason.replace(/"/g, "`")}`);
            return undefined;
        }
        return `${address.value.slice(0, at).normalize("NFC")}@${domain.ascii}`;
    }
    /** A domain's A-label form or what is wrong with it, computed once per domain: a `senders` table repeats a few domains many times. */
    domain(name) {
        let verdict = this.domains.get(name);
        if (!verdict) {
            const problem = domainProblem(name);
            verdict = problem === undefined ? { ascii: toALabels(name) } : { problem };
            this.domains.set(name, verdict);
        }
        return verdict;
    }
    /** `ADDRESS:PORT` as a listener takes it; `*` is every address. */
    hostPort(located) {
        const colon = located.value.lastIndexOf(":");
        const port = Number(located.value.slice(colon + 1));
        if (!Number.isInteger(port) || port < 1 || port > 65535) {
            this.report("invalidPort", located.span, `port \`${located.value.slice(colon + 1)}\` is out of range`, { hint: "a port is a number from 1 to 65535" });
            return undefined;
        }
        const host = located.value.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
        return { host: host === "*" ? "0.0.0.0" : host, port };
    }
}
/** The fix for a misspelt word when exactly one known word is closest (a tie is a guess: hint only). */
export function spellingFix(word, known) {
    const sole = known.find((k) => k.toLowerCase() === word.value.toLowerCase()) ?? soleClosestMatch(word.value, known);
    return sole && sole !== word.value ? { fix: replaceFix(word.span, word.value, sole) } : {};
}
//# sourceMappingURL=checkContext.js.map