// `timeout command D`, `timeout data D`: how long the server waits for a command
// line and for a message (RFC 5321 section 4.5.3.2 gives the minimums).
import type { Located, RuleBase } from "../../grammar/ast.js";
import { located, token } from "../../grammar/cstReader.js";
import { Duration, keywords, Name } from "../../grammar/lexer.js";
import type { RuleModule } from "./ruleModule.js";
import { formatDuration } from "../duration.js";

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    timeoutCommand?: From<number>;
    timeoutData?: From<number>;
  }
}

/** The words this rule is written with. */
const K = keywords("timeout");

export interface TimeoutRule extends RuleBase {
  kind: "timeout";
  what: Located;
  duration: Located;
}

export const timeoutRule: RuleModule<TimeoutRule> = {
  summary: "how long the server waits for a command or for the message",
  grammar: {
    verb: K.timeout,
    keywords: Object.values(K),
    productions: [
      {
        // timeout command 5m | timeout data 10m
        name: "timeoutRule",
        body: ($) => {
          $.CONSUME(K.timeout);
          $.CONSUME(Name);
          $.CONSUME(Duration);
        },
      },
    ],
  },
  build: (c, base) => {
    const [what, duration] = [token(c, "Name"), token(c, "Duration")];
    return what && duration && { kind: "timeout", ...base, what: located(what), duration: located(duration) };
  },
  kinds: {
    timeout: {
      name: (rule) => `timeout ${rule.what.value}`,
      key: (rule) => `timeout ${rule.what.value}`,
      check: (rule, context) => {
        if (rule.what.value !== "command" && rule.what.value !== "data") return context.unknown(rule.what, "`timeout`", ["command", "data"]);
        const ms = context.duration(rule.duration);
        if (ms === undefined) return;
        if (rule.what.value === "command") context.policy.timeoutCommand = { value: ms, rule: rule.span };
        else context.policy.timeoutData = { value: ms, rule: rule.span };
      },
    },
  },
  values: { timeoutRule: { words: ["command", "data"], kind: "value", detail: "what the server waits for" } },
};

export function printTimeout(what: "command" | "data", ms: number): string {
  return `timeout ${what} ${formatDuration(ms)}`;
}
