import { token } from "../../grammar/cstReader.js";
import { keywords } from "../../grammar/lexer.js";
import { observed, replied, observeOf, present } from "./ruleModule.js";
import { Replies } from "../../graph/replies.js";
/** The words this rule is written with. */
const K = keywords("enforce", "address", "headers", "in", "message", "senders", "syntax");
export const enforceRule = {
    summary: "a stricter check: envelope address syntax, message header syntax, or submission rights in From: and Sender:",
    grammar: {
        verb: K.enforce,
        keywords: Object.values(K),
        // enforce address syntax | enforce message syntax | enforce senders in headers
        productions: [
            {
                name: "enforceRule",
                body: ($) => {
                    $.CONSUME(K.enforce);
                    $.OR([
                        {
                            ALT: () => {
                                $.CONSUME(K.address);
                                $.CONSUME(K.syntax);
                            },
                        },
                        {
                            ALT: () => {
                                $.CONSUME(K.message);
                                $.CONSUME2(K.syntax);
                            },
                        },
                        {
                            ALT: () => {
                                $.CONSUME(K.senders);
                                $.CONSUME(K.in);
                                $.CONSUME(K.headers);
                            },
                        },
                    ]);
                },
            },
        ],
    },
    build: (c, base) => {
        if (token(c, "KwAddress") && token(c, "KwSyntax"))
            return { kind: "enforceAddressSyntax", ...base };
        if (token(c, "KwMessage") && token(c, "KwSyntax"))
            return { kind: "enforceMessageSyntax", ...base };
        if (token(c, "KwSenders") && token(c, "KwHeaders"))
            return { kind: "enforceSendersInHeaders", ...base };
        return undefined;
    },
    kinds: {
        enforceAddressSyntax: {
            name: "enforce address syntax",
            once: true,
            refuses: Replies.badSenderSyntax,
            check: (rule, context, observe) => {
                context.policy.enforceAddressSyntax = { rule: rule.span, ...observe };
            },
        },
        enforceMessageSyntax: {
            name: "enforce message syntax",
            once: true,
            refuses: Replies.messageSyntax,
            check: (rule, context, observe) => {
                context.policy.enforceMessageSyntax = { rule: rule.span, ...observe };
            },
        },
        enforceSendersInHeaders: {
            name: "enforce senders in headers",
            once: true,
            // Its refusals are the `senders` rule's (one SubmissionRights node), observed or not with it.
            observedWith: "senders",
            check: (rule, context, observe) => {
                context.policy.sendersInHeaders = { rule: rule.span, ...observe };
            },
        },
    },
    stages: (policy, at) => {
        const address = policy.enforceAddressSyntax && lowerEnforceAddressSyntax(policy.enforceAddressSyntax, at);
        const message = policy.enforceMessageSyntax && lowerEnforceMessageSyntax(policy.enforceMessageSyntax, at);
        return { mail: present(address), rcpt: present(address), message: present(message) };
    },
};
function lowerEnforceAddressSyntax(checked, at) {
    return { kind: "EnforceAddressSyntax", origin: at.origin(checked.rule), ...observeOf(checked) };
}
function lowerEnforceMessageSyntax(checked, at) {
    return { kind: "EnforceMessageSyntax", origin: at.origin(checked.rule), ...observeOf(checked) };
}
export function printEnforce(node) {
    return `${observed(node)}enforce ${node.kind === "EnforceAddressSyntax" ? "address" : "message"} syntax${replied(node)}`;
}
/** `enforce senders in headers` is part of the SubmissionRights node (its `checkHeaders`), observed with it. */
export function printEnforceSendersInHeaders() {
    return "enforce senders in headers";
}
//# sourceMappingURL=enforce.js.map