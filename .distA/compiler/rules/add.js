import { list, located, spanOfToken, string, token } from "../../grammar/cstReader.js";
import { keywords, Name, NumberLiteral, StringLiteral, UnterminatedString, With } from "../../grammar/lexer.js";
import { closestMatch } from "../../grammar/spelling.js";
import { spellingFix } from "../checkContext.js";
import { quote } from "./ruleModule.js";
import { FIELD_TEMPLATE_VARIABLES } from "../../graph/graph.js";
/** The words this rule is written with. */
const K = keywords("add", "private", "header");
/** In the order they are added: From before Sender (which it may make needless), the trace field last. */
export const ADDABLE_FIELDS = ["Date", "Message-ID", "From", "Sender", "Received"];
/** `add Received with tls, login`: the TLS protocol and cipher, the authenticated login. */
export const RECEIVED_DETAILS = ["tls", "login"];
/** Fields the server writes itself or that name the message's origin: `add header` may not forge them. */
const RESERVED_FIELDS = ["Date", "Message-ID", "From", "Sender", "Received", "Return-Path", "DKIM-Signature", "To", "Cc", "Bcc", "Reply-To", "Subject"];
export const addRule = {
    summary: "a header field the MSA adds to a message: Date, Message-ID, From, Sender, Received, or one of the site's own",
    grammar: {
        verb: K.add,
        keywords: Object.values(K),
        productions: [
            {
                // add Date | add Message-ID | add From | add Sender | add Received
                name: "addRule",
                body: ($) => {
                    $.CONSUME(K.add);
                    $.OR([
                        {
                            // add header X-Submitted-By "{login}"
                            ALT: () => {
                                $.CONSUME(K.header);
                                $.CONSUME2(Name, { LABEL: "field" });
                                $.SUBRULE($.stringValue, { LABEL: "value" });
                            },
                        },
                        {
                            ALT: () => {
                                $.CONSUME(Name);
                                // add Received private: no client IP in the trace field of authenticated submissions.
                                $.OPTION(() => $.CONSUME(K.private));
                                // add Received with tls, login. A `with` before a quoted text or a code is the
                                // statement's reply text, which the checker refuses for `add` with its own message.
                                $.OPTION2({
                                    GATE: () => ![StringLiteral, UnterminatedString, NumberLiteral].includes($.LA(2).tokenType),
                                    DEF: () => {
                                        $.CONSUME(With);
                                        $.SUBRULE($.nameList, { LABEL: "details" });
                                    },
                                });
                            },
                        },
                    ]);
                },
            },
        ],
        nameLabels: { addRule: "a header name such as `Date`" },
    },
    build: (c, base) => {
        if (c.value) {
            const name = token(c, "field");
            const value = string(c, "value");
            return name && value && { kind: "addField", ...base, name: located(name), value };
        }
        const header = token(c, "Name");
        const isPrivate = token(c, "KwPrivate");
        const details = list(c, "details");
        return (header && {
            kind: "add",
            ...base,
            header: located(header),
            ...(isPrivate ? { private: spanOfToken(isPrivate) } : {}),
            ...(details.length > 0 ? { details } : {}),
        });
    },
    kinds: {
        add: {
            name: (rule) => `add ${rule.header.value}`,
            key: (rule) => `add ${rule.header.value}`,
            check: (rule, context) => {
                if (rule.private) {
                    if (rule.header.value !== "Received")
                        return context.report("unknownValue", rule.private, `\`private\` applies only to \`add Received\``);
                    context.policy.receivedPrivate = rule.private;
                }
                if (rule.details) {
                    if (rule.header.value !== "Received")
                        return context.report("unknownValue", rule.details[0].span, `\`with\` applies only to \`add Received\``);
                    const details = new Map();
                    for (const detail of rule.details) {
                        const known = RECEIVED_DETAILS.find((d) => d === detail.value);
                        if (!known)
                            return context.unknown(detail, "`add Received with`", RECEIVED_DETAILS);
                        details.set(known, detail.span);
                    }
                    context.policy.receivedDetails = details;
                }
                const field = ADDABLE_FIELDS.find((f) => f === rule.header.value);
                if (!field) {
                    const sameIgnoringCase = ADDABLE_FIELDS.find((f) => f.toLowerCase() === rule.header.value.toLowerCase());
                    const suggestion = sameIgnoringCase ?? closestMatch(rule.header.value, ADDABLE_FIELDS);
                    return context.report("unknownHeader", rule.header.span, `unknown header \`${rule.header.value}\` in \`add\``, {
                        hint: suggestion ? `did you mean \`${suggestion}\`?` : `\`add\` takes ${ADDABLE_FIELDS.map((f) => "`" + f + "`").join(", ")}`,
                        ...spellingFix(rule.header, ADDABLE_FIELDS),
                    });
                }
                context.policy.add.set(field, rule.span);
            },
        },
        addField: {
            name: (rule) => `add header ${rule.name.value}`,
            key: (rule) => `add header ${rule.name.value.toLowerCase()}`,
            check: (rule, context) => {
                const [name] = context.headerFieldNames([rule.name]);
                if (!name)
                    return;
                const reserved = RESERVED_FIELDS.find((f) => f.toLowerCase() === name.value.toLowerCase());
                if (reserved) {
                    return context.report("unknownValue", name.span, `\`add header\` may not write \`${reserved}\`: the server or the author writes it`, {
                        hint: ADDABLE_FIELDS.some((f) => f === reserved) ? `write \`add ${reserved}\`` : "choose a field of your own, such as `X-Submitted-By`",
                    });
                }
                // RFC 5322 section 2.2: a field body is printable ASCII or WSP; a line break would start another field.
                if (!/^[\x20-\x7e\t]*$/.test(rule.value.value))
                    return context.report("unknownValue", rule.value.span, "a header field value is printable ASCII, without line breaks");
                for (const [, variable] of rule.value.value.matchAll(/\{([^}]*)\}/g)) {
                    if (!FIELD_TEMPLATE_VARIABLES.includes(variable)) {
                        return context.report("unknownValue", rule.value.span, `unknown variable \`{${variable}}\` in the value`, {
                            hint: `it takes ${FIELD_TEMPLATE_VARIABLES.map((v) => `\`{${v}}\``).join(", ")}`,
                        });
                    }
                }
                (context.policy.addFields ??= []).push({ value: { name: name.value, value: rule.value.value }, rule: rule.span });
            },
        },
    },
    printers: { AddField: (node) => `add header ${node.name} ${quote(node.value)}` },
    values: { addRule: { words: ADDABLE_FIELDS, kind: "header", detail: "header field the MSA adds (RFC 6409 section 8)" } },
    stages: (policy, at) => ({
        message: [
            ...(policy.addFields ?? []).map((field) => lowerAddField(field, at)),
            // In this order, Received last: it is prepended, so it ends up on top.
            ...ADDABLE_FIELDS.flatMap((field) => {
                const rule = policy.add.get(field);
                return rule ? [lowerAddHeader(field, rule, policy, at)] : [];
            }),
        ],
    }),
};
/** `private` and `with` only for Received (the checker refuses them elsewhere). */
function lowerAddHeader(field, rule, policy, at) {
    const node = { kind: "AddHeader", origin: at.origin(rule), field };
    if (field !== "Received")
        return node;
    if (policy.receivedPrivate)
        node.private = true;
    if (policy.receivedDetails?.has("tls"))
        node.tls = true;
    if (policy.receivedDetails?.has("login"))
        node.login = true;
    return node;
}
function lowerAddField(field, at) {
    return { kind: "AddField", origin: at.origin(field.rule), name: field.value.name, value: field.value.value };
}
export function printAdd(node) {
    const details = [node.tls ? "tls" : "", node.login ? "login" : ""].filter((d) => d !== "");
    return `add ${node.field}${node.private ? " private" : ""}${details.length > 0 ? ` with ${details.join(", ")}` : ""}`;
}
//# sourceMappingURL=add.js.map