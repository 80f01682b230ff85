import { listenerKey, listenersNamed } from "../graph/graph.js";
/** The logins `names` stand for (a group by its members), or undefined after a diagnostic. */
export function resolveScope(context, names, groups) {
    const logins = new Set();
    let byLogin = true;
    for (const name of names) {
        if (name.value.startsWith("@") || name.value.includes("@", 1)) {
            context.report("unknownValue", name.span, `\`for\` takes logins and groups, not \`${name.value}\``, {
                hint: "write a login of the users file, or a group declared with `group NAME: LOGIN, ...`",
            });
            return undefined;
        }
        const members = groups?.get(name.value);
        if (members)
            byLogin = false;
        for (const login of members?.value ?? [name.value])
            logins.add(login);
    }
    return { names: names.map((n) => n.value), logins: [...logins].sort(), byLogin };
}
/**
 * A rule for a group that says one value (`limit size 10MB for interns`) while rules for single
 * logins of the same kind cover every member: it never applies, which is a mistake worth a warning.
 */
export function lintShadowedScopes(context, scoped) {
    for (const rule of scoped) {
        if (!rule.overrides || rule.byLogin)
            continue;
        const specific = scoped.filter((other) => other.kind === rule.kind && other.byLogin);
        const covered = new Set(specific.flatMap((other) => other.logins));
        if (rule.logins.length === 0 || !rule.logins.every((login) => covered.has(login)))
            continue;
        const first = specific[0].rule;
        context.report("shadowedRule", rule.rule, `\`${rule.name}\` for \`${rule.names.join(", ")}\` never applies: a rule for each of its logins decides instead`, {
            hint: "remove it, or the rules for single logins",
            related: context.related(first, "a rule for a single login is here"),
        });
    }
}
/**
 * The listener keys each `on` block names, or undefined after a diagnostic (one per block, though
 * each of its rules asks). A port names every listener on it; without `listen` rules the policy
 * listens on 587 and 465.
 */
export function listenerResolver(context, written) {
    const listeners = written.length > 0 ? [...written] : [587, 465].map((port) => ({ host: null, port }));
    const keys = listeners.map(listenerKey);
    const resolved = new Map();
    return (block) => {
        if (resolved.has(block.span.start))
            return resolved.get(block.span.start);
        const found = new Set();
        let ok = block.listeners.length > 0;
        if (!ok)
            context.report("syntaxError", block.span, "`on` names no listener", { hint: "write `on PORT {` or `on ADDRESS:PORT {`, as the `listen` rule names it" });
        for (const name of block.listeners) {
            const matching = listenersNamed(listeners, name.value);
            if (matching.length === 0) {
                context.report("unknownListener", name.span, `the policy has no listener \`${name.value}\``, { hint: `its listeners are ${keys.map((k) => `\`${k}\``).join(", ")}` });
                ok = false;
            }
            for (const l of matching)
                found.add(listenerKey(l));
        }
        const value = ok ? [...found] : undefined;
        resolved.set(block.span.start, value);
        return value;
    };
}
/**
 * Once the group files are read (checkFiles.ts): their logins become the group's, and every rule
 * that names such a group judges them. The checker could not know them: it reads no files.
 */
export function fillFileGroups(policy, members) {
    if (members.size === 0)
        return;
    for (const [name, logins] of members)
        policy.groups.get(name).value = logins;
    const expand = (names) => [...new Set(names.flatMap((name) => policy.groups?.get(name)?.value ?? [name]))];
    for (const rule of policy.scoped) {
        if (!rule.names.some((name) => members.has(name)))
            continue;
        rule.logins = expand(rule.names).sort();
        // A name the checker took for a login may be a group of a folder (`groups from`).
        rule.byLogin = false;
    }
    for (const checked of [policy, ...policy.scoped.map((rule) => rule.policy)]) {
        for (const limit of checked.recipientsTo)
            if (limit.value.names?.some((name) => members.has(name)))
                limit.value.logins = expand(limit.value.names);
    }
}
//# sourceMappingURL=ruleScope.js.map