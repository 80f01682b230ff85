// What the submission listeners of a Postfix master.cf share and what differs between them: a rule
// every listener has is the policy's; the others go into an `on LISTENER { }` block per listener
// (as master.cf's `-o` overrides scope a setting to one service), or, for a setting of the whole
// server that a block cannot hold, into a comment that says so.
import { compilePolicy } from "../../compiler/compile.js";

export interface ListenerRules {
  /** How the policy names the listener: `587`, `127.0.0.1:2587`. */
  readonly endpoint: string;
  /** The listener's `listen` rule without the keyword: `587 starttls`. */
  readonly listen: string;
  /** Where the service is written, `master.cf:LINE`, for the comments. */
  readonly origin: string;
  /** The listener's rules, each with the `#` comments right above it. */
  readonly lines: string[];
}

export function listenerBlocks(listeners: ListenerRules[]): { shared: string[]; blocks: string[] } {
  if (listeners.length === 0) return { shared: [], blocks: [] };
  const shared = listeners[0]!.lines.filter((line) => listeners.every((l) => l.lines.includes(line)));
  const blocks: string[] = [];
  for (const listener of listeners) {
    const inside: string[] = [];
    const outside: string[] = [];
    for (const { comments, rule } of withComments(listener.lines.filter((line) => !shared.includes(line)))) {
      if (rule === undefined || canStandInBlock(listener, rule)) inside.push(...comments, rule ?? "");
      else outside.push(`# only on ${listener.endpoint} (${listener.origin}): \`${rule}\` is a setting of the whole server, which an \`on\` block cannot hold`);
    }
    const rules = inside.filter((line) => line !== "");
    if (rules.some((line) => !line.startsWith("#")))
      blocks.push(`# ${listener.origin}: the -o overrides of this service`, `on ${listener.endpoint} {`, ...rules.map((line) => `  ${line}`), "}");
    blocks.push(...outside);
  }
  return { shared, blocks };
}

/** Each rule with the comment lines above it; comments after the last rule come alone. */
function withComments(lines: string[]): { comments: string[]; rule: string | undefined }[] {
  const groups: { comments: string[]; rule: string | undefined }[] = [];
  let comments: string[] = [];
  for (const line of lines) {
    if (line.startsWith("#")) comments.push(line);
    else {
      groups.push({ comments, rule: line });
      comments = [];
    }
  }
  if (comments.length > 0) groups.push({ comments, rule: undefined });
  return groups;
}

/** The compiler decides what a block may hold (MSA4025 names the rest): asked with the rule alone in a block. */
function canStandInBlock(listener: ListenerRules, rule: string): boolean {
  const probe = `listen ${listener.listen}\non ${listener.endpoint} {\n  ${rule}\n}\n`;
  return !compilePolicy("listener-block.msa", probe, null).diagnostics.some((d) => d.code === "MSA4025");
}
