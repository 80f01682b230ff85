// `enforce address syntax`, `enforce message syntax`, `enforce senders in
// headers`: checks beyond what is always checked (RFC 5321 section 4.1.2 for
// addresses, RFC 5322 section 3.6 for the header section, RFC 6409 section 6.1
// for From: and Sender:).
import type { RuleBase } from "../../grammar/ast.js";
import { token } from "../../grammar/cstReader.js";
import { keywords } from "../../grammar/lexer.js";
import { type Lowering, observed, replied, observeOf, present, type RuleModule } from "./ruleModule.js";
import type { EnforceAddressSyntaxNode, EnforceMessageSyntaxNode } from "../../graph/graph.js";
import type { Switch } from "../checkedPolicy.js";
import { Replies } from "../../graph/replies.js";

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    enforceAddressSyntax?: Switch;
    enforceMessageSyntax?: Switch;
    sendersInHeaders?: Switch;
  }
}

/** The words this rule is written with. */
const K = keywords("enforce", "address", "headers", "in", "message", "senders", "syntax");

export interface EnforceAddressSyntaxRule extends RuleBase {
  kind: "enforceAddressSyntax";
}
export interface EnforceMessageSyntaxRule extends RuleBase {
  kind: "enforceMessageSyntax";
}
export interface EnforceSendersInHeadersRule extends RuleBase {
  kind: "enforceSendersInHeaders";
}

export const enforceRule: RuleModule<EnforceAddressSyntaxRule | EnforceMessageSyntaxRule | EnforceSendersInHeadersRule> = {
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
    if (token(c, "KwAddress") && token(c, "KwSyntax")) return { kind: "enforceAddressSyntax", ...base };
    if (token(c, "KwMessage") && token(c, "KwSyntax")) return { kind: "enforceMessageSyntax", ...base };
    if (token(c, "KwSenders") && token(c, "KwHeaders")) return { kind: "enforceSendersInHeaders", ...base };
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

function lowerEnforceAddressSyntax(checked: Switch, at: Lowering): EnforceAddressSyntaxNode {
  return { kind: "EnforceAddressSyntax", origin: at.origin(checked.rule), ...observeOf(checked) };
}

function lowerEnforceMessageSyntax(checked: Switch, at: Lowering): EnforceMessageSyntaxNode {
  return { kind: "EnforceMessageSyntax", origin: at.origin(checked.rule), ...observeOf(checked) };
}

export function printEnforce(node: EnforceAddressSyntaxNode | EnforceMessageSyntaxNode): string {
  return `${observed(node)}enforce ${node.kind === "EnforceAddressSyntax" ? "address" : "message"} syntax${replied(node)}`;
}

/** `enforce senders in headers` is part of the SubmissionRights node (its `checkHeaders`), observed with it. */
export function printEnforceSendersInHeaders(): string {
  return "enforce senders in headers";
}
