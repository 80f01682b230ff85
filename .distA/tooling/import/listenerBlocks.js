// What the submission listeners of a Postfix master.cf share and what differs between them: a rule
// every listener has is the policy's; the others go into an `on LISTENER { }` block per listener
// (as master.cf's `-o` overrides scope a setting to one service). A setting of the whole server
// cannot stand in a block: the certificate and users file are kept for the server, the rest
// becomes a comment that says so.
import { compilePolicy } from "../../compiler/compile.js";
/**
 * Settings of the whole server that only do something for a listener that has TLS or takes logins:
 * one listener's need is the server's (a plain listener ignores the certificate; the users file
 * lets every listener offer AUTH, which a listener that requires no login does not need).
 */
const KEPT_FOR_THE_SERVER = /^(tls certificate|auth users|auth dovecot) /;
export function listenerBlocks(listeners) {
    if (listeners.length === 0)
        return { shared: [], blocks: [] };
    const groups = listeners.map((listener) => withComments(listener.lines));
    const everywhere = (rule) => rule !== undefined && listeners.every((l) => l.lines.includes(rule));
    // A group is everyone's when its rule is, or, for comments after the last rule, when they all are.
    const common = (group) => (group.rule === undefined ? group.comments.every(everywhere) : everywhere(group.rule));
    const shared = groups[0].filter(common).flatMap((g) => [...g.comments, ...(g.rule === undefined ? [] : [g.rule])]);
    const kept = new Set();
    for (const group of groups.flat()) {
        if (group.rule === undefined || everywhere(group.rule) || !KEPT_FOR_THE_SERVER.test(group.rule) || kept.has(group.rule))
            continue;
        kept.add(group.rule);
        const from = listeners.filter((l) => l.lines.includes(group.rule));
        shared.push(...group.comments, `# only on ${from.map((l) => l.endpoint).join(", ")} in Postfix (${from.map((l) => l.origin).join(", ")}); msa's server has it for every listener`, group.rule);
    }
    const blocks = [];
    listeners.forEach((listener, index) => {
        const inside = [];
        const outside = [];
        for (const group of groups[index]) {
            const { comments, rule } = group;
            if (common(group) || (rule !== undefined && kept.has(rule)))
                continue;
            if (rule === undefined || canStandInBlock(listener, rule))
                inside.push(...comments, ...(rule === undefined ? [] : [rule]));
            else
                outside.push(`# only on ${listener.endpoint} (${listener.origin}): \`${rule}\` is a setting of the whole server, which an \`on\` block cannot hold`);
        }
        if (inside.some((line) => !line.startsWith("#")))
            blocks.push(`# ${listener.origin}: the -o overrides of this service`, `on ${listener.endpoint} {`, ...inside.map((line) => `  ${line}`), "}");
        blocks.push(...outside);
    });
    return { shared, blocks };
}
/** Each rule with the comment lines above it; comments after the last rule come alone. */
function withComments(lines) {
    const groups = [];
    let comments = [];
    for (const line of lines) {
        if (line.startsWith("#"))
            comments.push(line);
        else {
            groups.push({ comments, rule: line });
            comments = [];
        }
    }
    if (comments.length > 0)
        groups.push({ comments, rule: undefined });
    return groups;
}
/** The compiler decides what a block may hold (MSA4025 names the rest): asked with the rule alone in a block. */
function canStandInBlock(listener, rule) {
    const probe = `listen ${listener.listen}\non ${listener.endpoint} {\n  ${rule}\n}\n`;
    return !compilePolicy("listener-block.msa", probe, null).diagnostics.some((d) => d.code === "MSA4025");
}
//# sourceMappingURL=listenerBlocks.js.map