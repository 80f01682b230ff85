// The compiled graph on disk: versioned JSON. The loader refuses a format or
// version it does not know rather than guessing what an old graph meant.
import { GRAPH_FORMAT, GRAPH_VERSION, type RuleGraph } from "./graph.js";

export function serializeGraph(graph: RuleGraph): string {
  return JSON.stringify(graph, null, 2) + "\n";
}

export type LoadGraphResult = { ok: true; graph: RuleGraph } | { ok: false; message: string };

export function loadGraph(text: string): LoadGraphResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `not a compiled policy: ${(error as Error).message}` };
  }
  const candidate = value as Partial<RuleGraph> | null;
  if (!candidate || typeof candidate !== "object" || candidate.format !== GRAPH_FORMAT) {
    return { ok: false, message: `not a compiled policy: the \`format\` field is not \`${GRAPH_FORMAT}\`` };
  }
  if (candidate.version !== GRAPH_VERSION) {
    return {
      ok: false,
      message: `compiled policy version ${JSON.stringify(candidate.version)} is not supported (this msac reads version ${GRAPH_VERSION}); compile the policy again with this msac`,
    };
  }
  if (!candidate.stages || !candidate.deliver || !Array.isArray(candidate.listeners)) {
    return { ok: false, message: "compiled policy is incomplete: `stages`, `deliver` or `listeners` is missing" };
  }
  return { ok: true, graph: candidate as RuleGraph };
}
