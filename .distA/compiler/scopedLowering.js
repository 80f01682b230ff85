import { RULE_MODULES } from "./rules/index.js";
import { lowerRate } from "./rules/limit.js";
const rateKey = (rate) => `rate ${rate.unit} per ${rate.per}`;
/**
 * The stage nodes and rates of the scoped rules, with `for` set; `general` (the nodes of the
 * rules for everyone) and `rates` get `notFor` where a scoped rule decides for some logins instead.
 */
export function lowerScoped(policy, at, general, rates) {
    const overrides = [];
    const scopedNodes = [];
    const given = policy.scoped.map((rule) => {
        const scope = rule.listeners ? { on: rule.listeners } : { for: { names: rule.names, logins: rule.logins } };
        const override = (key) => ({
            key,
            logins: rule.logins,
            byLogin: rule.byLogin,
            ...(rule.listeners ? { listeners: rule.listeners } : {}),
            line: at.origin(rule.rule).line,
        });
        if (rule.lifts)
            overrides.push(override(rule.lifts));
        // One copy per node: the same node may stand in two stages (`limit size` at MAIL and after DATA).
        const copies = new Map();
        const mark = (nodes) => (nodes ?? [])
            .filter((node) => node.origin.line > 0) // the defaults are the main policy's
            .map((node) => {
            let copy = copies.get(node);
            if (!copy) {
                copy = { ...node, ...scope };
                copies.set(node, copy);
                scopedNodes.push({ node: copy, rule });
                if (rule.overrides)
                    overrides.push(override(node.kind));
            }
            return copy;
        });
        const stages = RULE_MODULES.map((module) => module.stages?.(rule.policy, at) ?? {});
        return {
            auth: stages.flatMap((s) => mark(s.auth)),
            mail: stages.flatMap((s) => mark(s.mail)),
            rcpt: stages.flatMap((s) => mark(s.rcpt)),
            message: stages.flatMap((s) => mark(s.message)),
        };
    });
    // A rate for some logins replaces the rates for everyone that count the same unit per the same subject.
    const scopedRates = policy.scoped.flatMap((rule) => rule.policy.rates.map((rate) => {
        const scope = rule.listeners ? { on: rule.listeners } : { for: { names: rule.names, logins: rule.logins } };
        const node = { ...lowerRate(rate, at), ...scope };
        // An observed rate counts beside the enforced ones; it replaces none of them.
        if (!node.observe)
            overrides.push({ key: rateKey(node), logins: rule.logins, byLogin: rule.byLogin, ...(rule.listeners ? { listeners: rule.listeners } : {}), line: node.origin.line });
        return { node, rule };
    }));
    // A node yields to the rules of its key for logins (all of them, or only those by login for a
    // group's rule) and, for everyone's rules, to the rules for listeners.
    const yieldTo = (node, key, specificThan) => {
        const ofKey = overrides.filter((o) => o.key === key);
        const logins = ofKey.filter((o) => !o.listeners && (specificThan !== "group" || o.byLogin)).flatMap((o) => o.logins);
        if (logins.length > 0)
            node.notFor = [...new Set(logins)].sort();
        if (specificThan !== "everyone")
            return;
        // Each listener with the line of the rule that decides for it instead (the checker refuses two).
        const notOn = ofKey.flatMap((o) => (o.listeners ?? []).map((listener) => [listener, o.line])).sort(([a], [b]) => a.localeCompare(b));
        if (notOn.length > 0)
            node.notOn = Object.fromEntries(notOn);
    };
    const specificity = (rule) => (rule.listeners ? "listener" : rule.byLogin ? undefined : "group");
    for (const stages of general)
        for (const node of [...(stages.auth ?? []), ...(stages.mail ?? []), ...(stages.rcpt ?? []), ...(stages.message ?? [])])
            yieldTo(node, node.kind, "everyone");
    for (const rate of rates)
        yieldTo(rate, rateKey(rate), "everyone");
    for (const { node, rule } of scopedNodes) {
        const level = specificity(rule);
        if (rule.overrides && level)
            yieldTo(node, node.kind, level);
    }
    for (const { node, rule } of scopedRates) {
        const level = specificity(rule);
        if (level)
            yieldTo(node, rateKey(node), level);
    }
    return { given, rates: scopedRates.map((r) => r.node) };
}
//# sourceMappingURL=scopedLowering.js.map