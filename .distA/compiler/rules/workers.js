import { located, token } from "../../grammar/cstReader.js";
import { keywords, Name, NumberLiteral } from "../../grammar/lexer.js";
/** The words this rule is written with. */
const K = keywords("workers");
export const workersRule = {
    summary: "how many worker processes serve the listeners",
    grammar: {
        verb: K.workers,
        keywords: Object.values(K),
        productions: [
            {
                // workers 4 | workers auto
                name: "workersRule",
                body: ($) => {
                    $.CONSUME(K.workers);
                    $.OR([{ ALT: () => $.CONSUME(NumberLiteral) }, { ALT: () => $.CONSUME(Name) }]);
                },
            },
        ],
    },
    build: (c, base) => {
        const count = token(c, "NumberLiteral") ?? token(c, "Name");
        return count && { kind: "workers", ...base, count: located(count) };
    },
    kinds: {
        workers: {
            name: "workers",
            once: true,
            check: (rule, context) => {
                if (rule.count.value === "auto") {
                    context.policy.workers = { value: "auto", rule: rule.span };
                    return;
                }
                if (!/^\d+$/.test(rule.count.value))
                    return context.unknown(rule.count, "`workers`", ["auto"], "a number or `auto`");
                const count = context.positive(rule.count);
                if (count !== undefined)
                    context.policy.workers = { value: count, rule: rule.span };
            },
        },
    },
    values: { workersRule: { words: ["auto"], kind: "value", detail: "one worker per CPU" } },
};
export function printWorkers(workers) {
    return `workers ${workers}`;
}
//# sourceMappingURL=workers.js.map