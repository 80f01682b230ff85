// `msac graph`: the rule graph as a picture, Mermaid (rendered by GitHub and most Markdown
// viewers) or Graphviz DOT. One box per stage in session order, its nodes in evaluation order,
// each labelled with the policy line it came from (or the default it stands for).
import { envelopeNodes, messageNodes, ruleLocation } from "../../graph/graph.js";
/** The node's kind and policy line, and whom it judges when that is not everyone (`for`, `on`). */
function labelOf(kind, origin, scope = {}) {
    const whom = (scope.for ? ` for ${scope.for.names.join(", ")}` : "") + (scope.on ? ` on ${scope.on.join(", ")}` : "");
    return origin.line > 0 ? `${kind} ${ruleLocation(origin)}${whom}` : `${kind} (default: ${origin.builtin ?? "built in"})`;
}
/** The stages of a session as the core runs them, each with its nodes in order. */
function stagesOf(graph) {
    const stage = (id, title, nodes) => ({
        id,
        title,
        nodes: nodes.map((node, index) => ({ id: `${id}${index}`, label: labelOf(node.kind === "AddHeader" ? `Add ${node.field}` : node.kind, node.origin, node) })),
    });
    return [
        stage("auth", "AUTH", graph.stages.auth),
        stage("mail", "MAIL FROM", envelopeNodes(graph.stages.mail)),
        stage("rcpt", "RCPT TO", envelopeNodes(graph.stages.rcpt)),
        stage("message", "end of DATA", messageNodes(graph.stages.message)),
        stage("finish", "finish", [
            ...(graph.aliases ? [{ kind: "Aliases", origin: graph.aliases.origin }] : []),
            ...graph.dkim.map((signature) => ({ kind: `SignDkim ${signature.selector}._domainkey.${signature.domain}`, origin: signature.origin })),
        ]),
        stage("deliver", "delivery", [graph.deliver]),
    ].filter((s) => s.nodes.length > 0);
}
/** Text safe inside a double-quoted Mermaid or DOT label. */
function quoted(text) {
    return `"${text.replace(/\\/g, "\\\\").replace(/"/g, "#quot;")}"`;
}
export function graphPicture(graph, format) {
    const stages = stagesOf(graph);
    // Each stage's nodes follow one another; the last node of a stage leads to the next stage's first.
    const chain = stages.flatMap((s) => s.nodes.map((n) => n.id));
    const edges = chain.slice(1).map((to, index) => [chain[index], to]);
    if (format === "mermaid") {
        const lines = ["flowchart TD"];
        for (const s of stages) {
            lines.push(`  subgraph ${s.id} [${quoted(s.title)}]`);
            for (const n of s.nodes)
                lines.push(`    ${n.id}[${quoted(n.label)}]`);
            lines.push("  end");
        }
        for (const [from, to] of edges)
            lines.push(`  ${from} --> ${to}`);
        return lines.join("\n") + "\n";
    }
    const dot = (text) => `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
    const lines = [`digraph ${dot(graph.source.file)} {`, "  rankdir=TB;", "  node [shape=box];"];
    for (const s of stages) {
        lines.push(`  subgraph cluster_${s.id} {`, `    label=${dot(s.title)};`);
        for (const n of s.nodes)
            lines.push(`    ${n.id} [label=${dot(n.label)}];`);
        lines.push("  }");
    }
    for (const [from, to] of edges)
        lines.push(`  ${from} -> ${to};`);
    lines.push("}");
    return lines.join("\n") + "\n";
}
//# sourceMappingURL=graphPicture.js.map