// `allow postmaster | unauthenticated | sender mismatch | bare line endings`: a
// loosening, always written down (RFC 5321 section 4.5.1 for postmaster).
import type { Located, RuleBase, Span } from "../../grammar/ast.js";
import { located, spanBetween, token } from "../../grammar/cstReader.js";
import { keywords } from "../../grammar/lexer.js";
import type { Lowering, RuleModule } from "./ruleModule.js";
import type { RefuseBareLineEndingsNode, RequireAuthNode } from "../../graph/graph.js";

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    allowPostmaster?: Span;
    allowUnauthenticated?: Span;
    allowSenderMismatch?: Span;
    allowBareLineEndings?: Span;
  }
}

/** The words this rule is written with. */
const K = keywords("allow", "bare", "endings", "line", "mismatch", "postmaster", "sender", "unauthenticated");

export interface AllowRule extends RuleBase {
  kind: "allow";
  what: Located<"postmaster" | "unauthenticated" | "sender mismatch" | "bare line endings">;
}

export const allowRule: RuleModule<AllowRule> = {
  summary: "a loosening of what is refused by default",
  grammar: {
    verb: K.allow,
    keywords: Object.values(K),
    // allow postmaster | allow unauthenticated | allow sender mismatch | allow bare line endings
    productions: [
      {
        name: "allowRule",
        body: ($) => {
          $.CONSUME(K.allow);
          $.OR([
            { ALT: () => $.CONSUME(K.postmaster) },
            { ALT: () => $.CONSUME(K.unauthenticated) },
            {
              ALT: () => {
                $.CONSUME(K.sender);
                $.CONSUME(K.mismatch);
              },
            },
            {
              // allow bare line endings: a bare CR or LF in DATA becomes CRLF instead of a refusal
              ALT: () => {
                $.CONSUME(K.bare);
                $.CONSUME(K.line);
                $.CONSUME(K.endings);
              },
            },
          ]);
        },
      },
    ],
  },
  build: (c, base) => {
    const endings = token(c, "KwEndings");
    if (endings) return { kind: "allow", ...base, what: { value: "bare line endings", span: spanBetween(token(c, "KwBare") ?? endings, endings) } };
    const mismatch = token(c, "KwMismatch");
    if (mismatch) return { kind: "allow", ...base, what: { value: "sender mismatch", span: spanBetween(token(c, "KwSender") ?? mismatch, mismatch) } };
    const what = token(c, "KwPostmaster") ?? token(c, "KwUnauthenticated");
    return what && { kind: "allow", ...base, what: located(what) as Located<"postmaster" | "unauthenticated"> };
  },
  kinds: {
    allow: {
      name: (rule) => `allow ${rule.what.value}`,
      key: (rule) => `allow ${rule.what.value}`,
      lifts: (rule) => (rule.what.value === "unauthenticated" ? "RequireAuth" : undefined),
      check: (rule, context) => {
        const p = context.policy;
        if (rule.what.value === "postmaster") p.allowPostmaster = rule.span;
        else if (rule.what.value === "sender mismatch") p.allowSenderMismatch = rule.span;
        else if (rule.what.value === "bare line endings") p.allowBareLineEndings = rule.span;
        else p.allowUnauthenticated = rule.span;
      },
    },
  },
};

/** `allow postmaster`: the domains whose postmaster takes mail without authentication. */
export function lowerPostmaster(rule: Span, domains: string[], at: Lowering): NonNullable<RequireAuthNode["postmaster"]> {
  return { domains, origin: at.origin(rule) };
}

/** A bare CR or LF is refused (SMTP smuggling) unless `allow bare line endings` turns it into CRLF. */
export function lowerBareLineEndings(rule: Span | undefined, at: Lowering): RefuseBareLineEndingsNode {
  return rule
    ? { kind: "RefuseBareLineEndings", origin: at.origin(rule), normalise: true }
    : { kind: "RefuseBareLineEndings", origin: at.builtin("bare CR or LF in DATA is refused (SMTP smuggling)") };
}

export function printAllow(what: AllowRule["what"]["value"]): string {
  return `allow ${what}`;
}
