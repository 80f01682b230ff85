import { located, token } from "../../grammar/cstReader.js";
import { keywords, Name, Url } from "../../grammar/lexer.js";
/** The words this rule is written with. */
const K = keywords("limits", "store");
export const limitsStoreRule = {
    summary: "where rate counters are kept: in memory or in Redis",
    grammar: {
        verb: K.limits,
        keywords: Object.values(K),
        productions: [
            {
                // limits store redis://127.0.0.1:6379 | limits store memory
                name: "limitsStoreRule",
                body: ($) => {
                    $.CONSUME(K.limits);
                    $.CONSUME(K.store);
                    $.OR([{ ALT: () => $.CONSUME(Url) }, { ALT: () => $.CONSUME(Name) }]);
                },
            },
        ],
    },
    build: (c, base) => {
        const store = token(c, "Url") ?? token(c, "Name");
        return store && { kind: "limitsStore", ...base, store: located(store) };
    },
    kinds: {
        limitsStore: {
            name: "limits store",
            once: true,
            check: (rule, context) => {
                if (rule.store.value === "memory") {
                    context.policy.limitsStore = { value: { kind: "memory" }, rule: rule.span };
                    return;
                }
                if (!/^rediss?:\/\/[^\s/]+/.test(rule.store.value)) {
                    return context.report("unknownValue", rule.store.span, `\`${rule.store.value}\` is not a limits store`, { hint: "write `memory` or `redis://HOST:PORT`" });
                }
                context.policy.limitsStore = { value: { kind: "redis", url: rule.store.value }, rule: rule.span };
            },
        },
    },
    values: { limitsStoreRule: { words: ["memory"], kind: "value", detail: "counters kept by each process" } },
};
/** Without the rule (or with `memory`) each process keeps its own counters. */
export function lowerLimitsStore(store, at) {
    return store?.value.kind === "redis" ? { kind: "redis", url: store.value.url, origin: at.origin(store.rule) } : { kind: "memory" };
}
export function printLimitsStore(store) {
    return `limits store ${store.kind === "redis" ? store.url : "memory"}`;
}
//# sourceMappingURL=limitsStore.js.map