import { childrenOf, located, part, parts, spanBetween, string, token, tokens } from "../../grammar/cstReader.js";
import { Address, Colon, Comma, keywords, LBrace, Name, Newline, NumberLiteral, RBrace } from "../../grammar/lexer.js";
import { observed, replied, observeOf, quote } from "./ruleModule.js";
import { resolvePolicyPath } from "../checkFiles.js";
import { Replies } from "../../graph/replies.js";
import { givesAddresses } from "./auth.js";
/** The words this rule is written with. */
const K = keywords("senders");
export const sendersRule = {
    summary: "submission rights: the addresses each login may use in MAIL FROM",
    grammar: {
        verb: K.senders,
        keywords: Object.values(K),
        productions: [
            {
                // senders { login: address, @domain, * ... } | senders "FILE"
                name: "sendersRule",
                body: ($) => {
                    $.CONSUME(K.senders);
                    $.OR([{ ALT: () => $.SUBRULE($.production("sendersBlock")) }, { ALT: () => $.SUBRULE($.stringValue) }]);
                },
            },
            {
                // The inline table: the same lines a senders file holds.
                name: "sendersBlock",
                body: ($) => {
                    $.CONSUME(LBrace);
                    $.MANY({
                        // A verb not followed by `:` starts a rule, not an entry: the block was not closed.
                        // (A login may still be called `log`: `log: log@example.com` is an entry.)
                        GATE: () => !($.isVerb($.LA(1).tokenType) && $.LA(2).tokenType !== Colon),
                        DEF: () => {
                            $.OR([{ ALT: () => $.CONSUME(Newline) }, { ALT: () => $.SUBRULE($.production("senderEntry")) }]);
                        },
                    });
                    $.CONSUME(RBrace);
                },
            },
            {
                // One CST node per entry (login and addresses are labelled tokens, not subrules): a `senders`
                // table may have 100,000 lines, and nodes are what the parser allocates most.
                name: "senderEntry",
                body: ($) => {
                    $.OR([
                        { ALT: () => $.CONSUME(Name, { LABEL: "login" }) },
                        { ALT: () => $.CONSUME(Address, { LABEL: "login" }) },
                        // Logins may be all digits (employee numbers).
                        { ALT: () => $.CONSUME(NumberLiteral, { LABEL: "login" }) },
                    ]);
                    $.CONSUME(Colon);
                    $.AT_LEAST_ONE_SEP({
                        SEP: Comma,
                        DEF: () => {
                            $.OR2([{ ALT: () => $.CONSUME2(Address, { LABEL: "address" }) }, { ALT: () => $.CONSUME2(Name, { LABEL: "address" }) }]);
                        },
                    });
                    $.CONSUME(Newline);
                },
            },
        ],
        nameLabels: { senderEntry: "a login" },
    },
    build: (c, base) => {
        if (c.sendersBlock) {
            const block = part(c, "sendersBlock");
            if (!block)
                return undefined;
            const entries = [];
            for (const entry of parts(childrenOf(block), "senderEntry")) {
                const built = senderEntry(childrenOf(entry));
                if (built)
                    entries.push(built);
            }
            return { kind: "senders", ...base, entries };
        }
        const file = string(c);
        return file && { kind: "senders", ...base, entries: [], file };
    },
    kinds: {
        senders: { name: "senders", once: true, refuses: Replies.senderNotAllowed, check: checkSenders },
    },
    stages: (policy, at) => {
        // A login source that gives each login its addresses (`auth ldap`, `auth sql` with a senders query) is a table of
        // rights by itself: an empty table under the `auth` rule's line, so only the given addresses pass.
        const fromLogins = policy.logins && givesAddresses(policy.logins.value) ? { value: new Map(), rule: policy.logins.rule, logins: [] } : undefined;
        const senders = policy.senders ?? fromLogins;
        return senders ? sendersStages(senders, policy, at) : {};
    },
};
/**
 * The SubmissionRights node of a senders table, in MAIL and, when it has something to do there
 * (judge From: and Sender:, or add Sender:), in the message. A login source that gives addresses
 * with a login makes one from an empty table when the policy has no `senders` rule.
 */
export function sendersStages(senders, policy, at) {
    const related = { ownDomain: at.site.qualifyDomain, allowMismatch: policy.allowSenderMismatch, inHeaders: policy.sendersInHeaders };
    const rights = lowerSubmissionRights(senders, at, related);
    return { mail: [rights], message: rights.checkHeaders || rights.mismatch === "addSender" ? [rights] : [] };
}
function senderEntry(c) {
    const login = token(c, "login");
    if (!login)
        return undefined;
    const addresses = tokens(c, "address");
    if (addresses.length === 0)
        return undefined;
    return { span: spanBetween(login, addresses[addresses.length - 1]), login: located(login), addresses: addresses.map(located) };
}
function checkSenders(rule, context, observe) {
    if (rule.file) {
        context.policy.senders = { value: new Map(), rule: rule.span, ...observe, logins: [], file: rule.file };
        return;
    }
    const map = new Map();
    const logins = [];
    const lines = new Map();
    for (const entry of rule.entries) {
        const login = entry.login.value;
        const previous = lines.get(login);
        if (previous) {
            context.report("duplicateLogin", entry.login.span, `login \`${login}\` is listed twice in \`senders\``, {
                hint: "list all its addresses on one line",
                related: context.related(previous, `\`${login}\` is first listed here`),
            });
            continue;
        }
        lines.set(login, entry.span);
        logins.push(entry.login);
        const addresses = [];
        const granted = new Set();
        for (const address of entry.addresses) {
            // RFC 6409 section 6.1 grants: an address, a whole domain (`@example.com`) or everything (`*`).
            const normalized = address.value === "*" ? "*" : address.value.startsWith("@") ? context.normalizeTarget(address) : context.normalizePolicyAddress(address);
            if (normalized === undefined)
                continue;
            if (granted.has(normalized)) {
                context.report("duplicateValue", address.span, `address \`${address.value}\` is listed twice for \`${login}\``, {
                    hint: "remove it; it changes nothing",
                    ...context.deleteListItem(address.span, `remove the second \`${address.value}\``),
                });
                continue;
            }
            granted.add(normalized);
            addresses.push(normalized);
        }
        lintGrants(context, login, entry.addresses, addresses);
        map.set(login, addresses);
    }
    context.policy.senders = { value: map, rule: rule.span, ...observe, logins };
}
/** Grants that can never matter: anything next to `*`, an address inside a granted `@domain`. */
function lintGrants(context, login, written, normalized) {
    // Only addresses (the common line): none can cover another.
    if (!normalized.some((grant) => grant === "*" || grant.startsWith("@")))
        return;
    const everything = normalized.includes("*");
    const domains = new Set(normalized.filter((g) => g.startsWith("@")));
    // Where each grant was written, by its lowercase text, so a covered grant is found without a scan.
    const writtenAt = new Map();
    for (const w of written)
        if (!writtenAt.has(w.value.toLowerCase()))
            writtenAt.set(w.value.toLowerCase(), w);
    for (const [index, grant] of normalized.entries()) {
        const at = grant.lastIndexOf("@");
        const coveredBy = grant === "*" ? undefined : everything ? "*" : at > 0 && domains.has(grant.slice(at)) ? grant.slice(at) : undefined;
        const source = writtenAt.get(grant.toLowerCase()) ?? written[index];
        if (coveredBy && source) {
            context.report("duplicateValue", source.span, `\`${source.value}\` is already granted to \`${login}\` by \`${coveredBy}\``, {
                hint: "remove it; it changes nothing",
                ...context.deleteListItem(source.span, `remove \`${source.value}\``),
            });
        }
    }
}
/**
 * Submission rights, with what other rules say about them: `ownDomain` qualifies a login without
 * `@`, `allow sender mismatch` adds Sender: instead of refusing, `enforce senders in headers`
 * judges From: and Sender: too.
 */
function lowerSubmissionRights(senders, at, related) {
    return {
        kind: "SubmissionRights",
        origin: at.origin(senders.rule),
        ...observeOf(senders),
        senders: Object.fromEntries(senders.value),
        ...(senders.file ? { file: resolvePolicyPath(at.file, senders.file.value) } : {}),
        ownDomain: related.ownDomain,
        mismatch: related.allowMismatch ? "addSender" : "refuse",
        ...(related.inHeaders ? { checkHeaders: { origin: at.origin(related.inHeaders.rule) } } : {}),
    };
}
export function printSenders(node, at) {
    if (node.file)
        return `${observed(node)}senders ${quote(at.path(node.file))}${replied(node)}`;
    const entries = Object.entries(node.senders).map(([login, addresses]) => `  ${login}: ${addresses.join(", ")}`);
    return [`${observed(node)}senders {`, ...entries, `}${replied(node)}`].join("\n");
}
//# sourceMappingURL=senders.js.map