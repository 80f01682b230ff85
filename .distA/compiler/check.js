import { CheckContext } from "./checkContext.js";
import { PolicyLints } from "./policyLints.js";
import { checkReplyText } from "./replyText.js";
import { lintShadowedScopes, listenerResolver, resolveScope } from "./ruleScope.js";
import { KIND_FACTS } from "./rules/index.js";
function factsOf(rule) {
    return KIND_FACTS.get(rule.kind);
}
/** How diagnostics name a rule. */
function nameOf(rule) {
    const name = factsOf(rule).name;
    return typeof name === "string" ? name : name(rule);
}
/** What makes two rules of a kind one rule written twice: the kind for a rule that may appear once, the key for a keyed one. */
function keyOf(rule) {
    const key = factsOf(rule).key?.(rule) ?? rule.kind;
    // `limit size 10MB for bob` and `limit size 25MB` are two rules; two for the same names are one
    // written twice. Likewise for the listeners of an `on` block.
    const forLogins = rule.for ? ` for ${rule.for.names.map((n) => n.value).join(",")}` : "";
    const on = rule.on ? ` on ${rule.on.listeners.map((l) => l.value).join(",")}` : "";
    return key + forLogins + on;
}
function emptyPolicy(written) {
    return { listeners: [], add: new Map(), written, scoped: [], recipientsTo: [], rates: [], removeHeaders: [], dkim: [] };
}
/** What a rule says, without where it says it. */
function ruleText(rule) {
    return JSON.stringify(rule, (k, v) => (k === "span" || k === "verb" ? undefined : v));
}
export function checkPolicy(file, ast, options = { complete: true }) {
    // Rule kinds the policy wrote, and those of which a rule had an error.
    const written = new Set();
    const failed = new Set();
    const policy = emptyPolicy(written);
    const context = new CheckContext(file, policy, [], options.text ?? "");
    const firstOfKind = new Map();
    // Rules written `for` some logins are checked once every group is known.
    const forLogins = [];
    // Rules in `on` blocks are checked once every listener is known.
    const onListeners = [];
    // Groups first: the rules that name them (`for interns`) may stand above their declaration.
    const ordered = [...ast.rules.filter((rule) => rule.kind === "group"), ...ast.rules.filter((rule) => rule.kind !== "group")];
    for (const rule of ordered) {
        const facts = factsOf(rule);
        const key = keyOf(rule);
        const first = firstOfKind.get(key);
        if (first && (facts.once || facts.key)) {
            reportSecond(context, first, rule);
            continue;
        }
        firstOfKind.set(key, rule);
        written.add(rule.kind);
        const before = context.diagnostics.length;
        if (rule.observe && facts.observedWith) {
            context.report("notObservable", rule.observe, `\`${nameOf(rule)}\` cannot be observed on its own`, {
                hint: `write \`observe\` in front of \`${facts.observedWith}\`: that observes its header check too`,
            });
            continue;
        }
        const refusal = typeof facts.refuses === "function" ? facts.refuses(rule) : facts.refuses;
        if (rule.observe && !refusal) {
            context.report("notObservable", rule.observe, `\`${nameOf(rule)}\` refuses nothing, so it cannot be observed`, {
                hint: "remove `observe`",
                ...context.deleteWords(rule.observe, "remove `observe`"),
            });
            continue;
        }
        if (rule.reply && !refusal) {
            context.report("replyOnNonRefusing", rule.reply.span, `\`${nameOf(rule)}\` refuses nothing, so it has no reply text`, {
                hint: facts.observedWith ? `write \`with\` after \`${facts.observedWith}\`: its reply is this rule's too` : "remove `with ...`",
                ...(facts.observedWith ? {} : context.deleteWords(rule.reply.span, "remove `with ...`")),
            });
        }
        // A reply text in error is reported and left out; the rule itself still counts, so no lint
        // reports it missing.
        const replyText = rule.reply && refusal ? checkReplyText(context, nameOf(rule), rule.reply, refusal) : undefined;
        const observable = { ...(rule.observe ? { observe: true } : {}), ...(replyText !== undefined ? { replyText } : {}) };
        if (rule.on) {
            // A block holds what judges its listener's sessions: refusing rules, and loosenings of them.
            const lifts = facts.lifts?.(rule);
            if (rule.for || (!refusal && !lifts)) {
                context.report("onNotApplicable", rule.for?.span ?? rule.verb, rule.for
                    ? "a rule in an `on` block judges every login on its listeners, so it takes no `for`"
                    : `\`${nameOf(rule)}\` refuses nothing, so it cannot stand in an \`on\` block`, { hint: rule.for ? "remove `for ...`, or move the rule out of the block" : "move it out of the block: it is a setting of the whole server" });
                continue;
            }
            onListeners.push({ rule, observable, lifts });
            continue;
        }
        if (rule.for) {
            // Only a rule that refuses after the login can be for some logins.
            const judgedBefore = !!facts.beforeLogin?.(rule);
            if (!refusal || judgedBefore) {
                context.report("forNotApplicable", rule.for.span, `\`${nameOf(rule)}\` ${refusal ? "is judged before the login" : "refuses nothing"}, so it cannot be for some logins`, {
                    hint: "remove `for ...`",
                    ...context.deleteWords(rule.for.span, "remove `for ...`"),
                });
                continue;
            }
            forLogins.push({ rule, observable });
            continue;
        }
        facts.check(rule, context, observable);
        if (context.diagnostics.slice(before).some((d) => d.severity === "error"))
            failed.add(rule.kind);
    }
    const scoped = [];
    // Each scoped rule is checked into a policy of its own, which knows the groups (`limit recipients
    // to ... for interns` names them). An observed rule refuses nothing, so it takes no logins or
    // listeners from the enforced rule of its kind.
    const check = (rule, observable) => {
        const own = { ...emptyPolicy(written), ...(policy.groups ? { groups: policy.groups } : {}) };
        factsOf(rule).check(rule, context.withPolicy(own), observable);
        return { overrides: !!factsOf(rule).once && !observable.observe, rule: rule.span, policy: own, kind: rule.kind, name: nameOf(rule) };
    };
    for (const { rule, observable } of forLogins) {
        const scope = resolveScope(context, rule.for.names, policy.groups);
        if (scope)
            scoped.push({ ...scope, ...check(rule, observable) });
    }
    const listenersOf = listenerResolver(context, policy.listeners);
    // Two blocks may name one listener differently (`on 2525` and `on 127.0.0.1:2525`): a rule that
    // may appear once is once per listener, whatever the blocks wrote.
    const firstOnListener = new Map();
    for (const { rule, observable, lifts } of onListeners) {
        const listeners = listenersOf(rule.on);
        if (!listeners)
            continue;
        const facts = factsOf(rule);
        if (facts.once || facts.key) {
            const key = facts.key?.(rule) ?? rule.kind;
            const first = listeners.map((listener) => firstOnListener.get(`${key} on ${listener}`)).find((r) => r && r !== rule);
            if (first) {
                reportSecond(context, first, rule);
                continue;
            }
            for (const listener of listeners)
                firstOnListener.set(`${key} on ${listener}`, rule);
        }
        scoped.push({ names: [], logins: [], byLogin: false, listeners, ...(lifts ? { lifts } : {}), ...check(rule, observable) });
    }
    lintShadowedScopes(context, scoped);
    policy.scoped = scoped.map(({ kind: _kind, name: _name, ...rule }) => rule);
    if (options.complete)
        new PolicyLints(context, written, failed).lint();
    return { value: policy, diagnostics: context.diagnostics };
}
function reportSecond(context, first, second) {
    const name = nameOf(second);
    // Two forms of one key (`auth users` and `auth dovecot`: one login source per policy) are named each as written.
    const firstName = nameOf(first);
    const sameForm = first.kind === second.kind;
    const related = context.related(first.span, sameForm ? `the first \`${name}\` is here` : `\`${firstName}\` is here`);
    // Keyed rules (`require`, `allow`, `add`) are keyed by their argument, so a second one always says the same.
    if (ruleText(first) !== ruleText(second)) {
        context.report("conflictingRules", second.span, sameForm ? `conflicting \`${name}\` rules` : `\`${name}\` conflicts with \`${firstName}\``, {
            hint: second.kind === "senders" ? "merge the two blocks into one" : "keep one; msa never picks one silently",
            related,
        });
        return;
    }
    context.report("duplicateRule", second.span, `duplicate \`${name}\` rule`, {
        hint: "remove one of the two",
        related,
        ...context.deleteLines(second.span, `remove this second \`${name}\``),
    });
}
//# sourceMappingURL=check.js.map