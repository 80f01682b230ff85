import { GRAPH_FORMAT, GRAPH_VERSION, RuleGraph } from "./graph.js";
export function serializeGraph(graph) {
    return JSON.stringify(graph, null, 2) + "\n";
}
export function loadGraph(text) {
    let value;
    try {
        value = JSON.parse(text);
    }
    catch (error) {
        return { ok: false, message: `not a compiled policy: ${error.message}` };
    }
    const candidate = value;
    if (!candidate || typeof candidate !== "object" || candidate.format !== GRAPH_FORMAT) {
        return { ok: false, message: `not a compiled policy: the \`format\` field is not \`${GRAPH_FORMAT}\`` };
    }
    if (candidate.version !== GRAPH_VERSION) {
        return {
            ok: false,
            message: `compiled policy version ${JSON.stringify(candidate.version)} is not supported (this msac reads version ${GRAPH_VERSION}); compile the policy again with this msac`,
        };
    }
    const checked = RuleGraph.safeParse(value, { reportInput: true });
    if (!checked.success)
        return { ok: false, message: describeIssue(checked.error.issues[0]) };
    return { ok: true, graph: checked.data };
}
/** `stages.mail[2].kind`: a JSON path as a reader of the file would write it. */
export function jsonPath(path) {
    let text = "";
    for (const key of path) {
        if (typeof key === "number")
            text += `[${key}]`;
        else if (typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key))
            text += text === "" ? key : `.${key}`;
        else
            text += `[${JSON.stringify(String(key))}]`;
    }
    return text;
}
function describeIssue(issue) {
    const advice = "; compile the policy again with this msac";
    if (issue.code === "unrecognized_keys") {
        return `compiled policy has an unknown field \`${jsonPath([...issue.path, issue.keys[0]])}\`${advice}`;
    }
    const where = jsonPath(issue.path);
    if (issue.code === "invalid_type" && issue.input === undefined) {
        return `compiled policy is missing \`${where}\`${advice}`;
    }
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
        // a union that is not told apart by `kind` (such as `workers`): say what each member expects
        const expected = issue.errors.map((branch) => /expected ([^,]+)/.exec(branch[0]?.message ?? "")?.[1]).filter(Boolean);
        if (expected.length === issue.errors.length)
            return `compiled policy has a wrong field \`${where}\`: expected ${expected.join(" or ")}${advice}`;
    }
    // zod's messages are sentences ("Invalid input: expected number, received string"); ours are clauses.
    const detail = issue.message
        .replace(/\.$/, "")
        .split(/\.\s+/)
        .map((part) => part.charAt(0).toLowerCase() + part.slice(1))
        .join("; ");
    return `compiled policy has a wrong field \`${where}\`: ${detail}${advice}`;
}
//# sourceMappingURL=graphJson.js.map