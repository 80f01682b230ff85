// Lookup tables the decision core needs besides the graph: submission rights, recipient
// limits and regular expressions compiled once per graph node, and the tables read from `senders "FILE"`,
// `aliases "FILE"` and `rewrite senders "FILE"`. The caller prepares them (the server once per graph, reloading senders
// files when they change; `msac simulate` and `msac test` once per run) and hands them to
// `decide` as data, so `decide` stays a pure function of (graph, state, event, tables).
import { envelopeNodes, ruleLocation, type RecipientsToNode, type RegexPattern, type RewriteSendersNode, type RuleGraph, type SubmissionRightsNode } from "../../graph/graph.js";
import { type CanonicalTable, parseCanonicalTable } from "../rewrite/senderCanonical.js";
import { compilePattern, type Regex } from "../../formats/pattern.js";
import { compileRecipientRules, type CompiledRecipientRules } from "../rights/recipientRules.js";
import { compileSenderGrants, type SenderGrantTable } from "../rights/senderGrants.js";
import { sendersFromFile, type SendersFileProblem } from "../../formats/sendersFile.js";
import type { AliasesFileProblem } from "../../formats/aliasesFile.js";
import { loadAliases } from "../aliases/aliasRecipients.js";
import type { AliasTable } from "../aliases/expandAliases.js";

export interface DecisionTables {
  /** `senders "FILE"`: the table currently loaded from each file, by the file's path. */
  readonly sendersFiles?: ReadonlyMap<string, SenderGrantTable>;
  /** `aliases "FILE"`: the table read from the file (empty when it could not be read). */
  readonly aliases?: AliasTable;
  /** Each `senders { }` block compiled once, by its node. */
  readonly inlineSenders?: ReadonlyMap<SubmissionRightsNode, SenderGrantTable>;
  /** Each `limit recipients to` rule compiled once, by its node. */
  readonly recipientRules?: ReadonlyMap<RecipientsToNode, CompiledRecipientRules>;
  /** Each `matching /RE/` of the message stage compiled once (RE2, linear time), by the graph's pattern object. */
  readonly patterns?: ReadonlyMap<RegexPattern, Regex>;
  /** `rewrite senders "FILE"`: the table read from each file, by the file's path. */
  readonly canonicalSenders?: ReadonlyMap<string, CanonicalTable>;
}

/** The table a RewriteSenders node rewrites with, or undefined when the caller loaded none. */
export function canonicalTableOf(node: RewriteSendersNode, tables?: DecisionTables): CanonicalTable | undefined {
  return tables?.canonicalSenders?.get(node.file);
}

/** The file of the graph's `rewrite senders` rule, if it has one (the mail and message stages hold the same node). */
export function canonicalFileOf(graph: RuleGraph): string | undefined {
  for (const node of [...envelopeNodes(graph.stages.mail), ...graph.stages.message.nodes]) if (node.kind === "RewriteSenders") return node.file;
  return undefined;
}

/**
 * Reads and compiles the `rewrite senders` table. A file that cannot be read or has a bad line
 * throws, naming the file and line: rewriting half a table, or none, would pass on addresses the
 * admin meant to replace, so the server does not start (a reload keeps the running policy).
 */
function loadCanonicalSenders(file: string, readFile: (path: string) => string): CanonicalTable {
  const parsed = parseCanonicalTable(readFile(file));
  if ("table" in parsed) return parsed.table;
  const first = parsed.problems[0]!;
  throw new Error(`${file}:${first.line}:${first.column}: ${first.message} (\`msac check\` lists every problem)`);
}

function compileInlineSenders(node: SubmissionRightsNode): SenderGrantTable {
  return compileSenderGrants(Object.entries(node.senders).map(([login, grants]) => ({ login, grants })));
}

/**
 * The grants a SubmissionRights node decides with: its file's table when loaded, else its inline
 * block (compiled now when the caller prepared no tables, as a test may).
 */
export function senderTableOf(node: SubmissionRightsNode, tables?: DecisionTables): SenderGrantTable {
  const fromFile = node.file !== undefined ? tables?.sendersFiles?.get(node.file) : undefined;
  return fromFile ?? tables?.inlineSenders?.get(node) ?? compileInlineSenders(node);
}

/**
 * `limit recipients to LIST [for LOGINS]` as first-match rules: the listed targets are allowed,
 * every other recipient refused; with `except`, the listed targets are refused and the rest
 * allowed; only for the node's logins (everyone when null).
 */
function compileRecipientsTo(node: RecipientsToNode): CompiledRecipientRules {
  const logins = node.logins ? { logins: node.logins } : {};
  return compileRecipientRules(
    node.except
      ? [{ action: "refuse", match: { list: node.targets }, ...logins }]
      : [
          { action: "allow", match: { list: node.targets }, ...logins },
          { action: "refuse", match: { all: true }, ...logins },
        ],
  );
}

export function recipientRulesOf(node: RecipientsToNode, tables?: DecisionTables): CompiledRecipientRules {
  return tables?.recipientRules?.get(node) ?? compileRecipientsTo(node);
}

/** A graph's pattern compiled; the checker let only RE2 syntax through, so a failure is a graph not made by msac. */
function compileGraphPattern(pattern: RegexPattern, where: string): Regex {
  const compiled = compilePattern(pattern.source, pattern.flags);
  if (!compiled.ok) throw new Error(`${where}: pattern /${pattern.source}/${pattern.flags} is not RE2 syntax: ${compiled.problem.message}`);
  return compiled.regex;
}

/** The compiled regular expression of a node's pattern (compiled now when the caller prepared no tables, as a test may). */
export function regexOf(pattern: RegexPattern, tables?: DecisionTables): Regex {
  return tables?.patterns?.get(pattern) ?? compileGraphPattern(pattern, "graph");
}

/** Every senders file the graph names (the mail and message stages may both hold the node). */
export function sendersFilesOf(graph: RuleGraph): string[] {
  const files = new Set<string>();
  for (const node of [...envelopeNodes(graph.stages.mail), ...graph.stages.message.nodes]) {
    if (node.kind === "SubmissionRights" && node.file !== undefined) files.add(node.file);
  }
  return [...files];
}

export interface PreparedTables {
  tables: DecisionTables;
  /** Files that could not be read or have problems: their table is not loaded (the inline block, if any, decides). */
  problems: { file: string; problems: readonly SendersFileProblem[] | string }[];
  /** The aliases file's skipped lines, or why it could not be read (it then expands nothing). */
  aliasProblems: readonly AliasesFileProblem[] | string;
}

/** Reads and compiles the senders, aliases and sender rewriting files of `graph` with `readFile` (which may throw; a bad rewriting file throws). */
export function prepareTables(graph: RuleGraph, readFile: (path: string) => string): PreparedTables {
  const sendersFiles = new Map<string, SenderGrantTable>();
  const problems: PreparedTables["problems"] = [];
  for (const file of sendersFilesOf(graph)) {
    let text: string;
    try {
      text = readFile(file);
    } catch (error) {
      problems.push({ file, problems: (error as Error).message });
      continue;
    }
    const parsed = sendersFromFile(text);
    if (parsed.problems.length > 0) {
      problems.push({ file, problems: parsed.problems });
      continue;
    }
    sendersFiles.set(file, compileSenderGrants(parsed.entries));
  }
  const aliases = loadAliases(graph, readFile);
  const inlineSenders = new Map<SubmissionRightsNode, SenderGrantTable>();
  for (const node of [...envelopeNodes(graph.stages.mail), ...graph.stages.message.nodes]) {
    if (node.kind === "SubmissionRights" && !inlineSenders.has(node)) inlineSenders.set(node, compileInlineSenders(node));
  }
  const recipientRules = new Map<RecipientsToNode, CompiledRecipientRules>();
  for (const node of envelopeNodes(graph.stages.rcpt)) if (node.kind === "RecipientsTo") recipientRules.set(node, compileRecipientsTo(node));
  const patterns = new Map<RegexPattern, Regex>();
  for (const node of graph.stages.message.nodes) {
    if ("matching" in node && node.matching) patterns.set(node.matching, compileGraphPattern(node.matching, ruleLocation(node.origin)));
  }
  const canonicalFile = canonicalFileOf(graph);
  const canonicalSenders = new Map<string, CanonicalTable>();
  if (canonicalFile !== undefined) canonicalSenders.set(canonicalFile, loadCanonicalSenders(canonicalFile, readFile));
  return {
    tables: { sendersFiles, inlineSenders, recipientRules, patterns, canonicalSenders, ...(aliases ? { aliases: aliases.table } : {}) },
    problems,
    aliasProblems: aliases?.problems ?? [],
  };
}

/** The same tables with the `rewrite senders` table replaced (a reload). */
export function withCanonicalFile(tables: DecisionTables, file: string, table: CanonicalTable): DecisionTables {
  return { ...tables, canonicalSenders: new Map([[file, table]]) };
}

/** The same tables with one file's table replaced (a reload). */
export function withSendersFile(tables: DecisionTables, file: string, table: SenderGrantTable): DecisionTables {
  const sendersFiles = new Map(tables.sendersFiles ?? []);
  sendersFiles.set(file, table);
  return { ...tables, sendersFiles };
}
