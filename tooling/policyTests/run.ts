// Runs policy test files: each case's session goes through the simulator (and so
// through the server's decision core), each expectation is compared with what
// came back, and every trace step is kept for the coverage report. Pure of I/O
// except reading the test file and compiling its policy.
import fs from "node:fs";
import path from "node:path";
import { compilePolicy } from "../../compiler/compile.js";
import { hasErrors, type Diagnostic } from "../../compiler/diagnostics.js";
import { envelopeNodes, loginSourceNode, messageNodes, ruleLocation, type RuleGraph, type RuleOrigin } from "../../graph/graph.js";
import type { TraceStep } from "../../runtime/decision/verdict.js";
import { formatReply, formatTraceStep } from "../simulate/render.js";
import { simulate, type DeliveredMessage, type Exchange } from "../simulate/session.js";
import { parseTestFile, type Expectation, type TestCase } from "./testFile.js";

/** Test sessions run at a fixed time with fixed ids, so expected Date and Message-ID fields can be written down. */
export const TEST_CLOCK = new Date("2026-01-01T12:00:00Z");

export interface Failure {
  line: number;
  expected: string;
  actual: string[];
  /** The rules consulted by the step the expectation is about. */
  trace: string[];
}

export interface CaseResult {
  name: string;
  line: number;
  failures: Failure[];
}

export interface TestFileResult {
  file: string;
  policy: string;
  /** Problems with the test file itself or its policy: the file's cases did not run. */
  problems: string[];
  diagnostics: Diagnostic[];
  cases: CaseResult[];
  graph?: RuleGraph;
  policyText?: string;
  trace: TraceStep[];
}

export function policyOfTestFile(testFile: string, named?: string): string {
  const dir = path.dirname(testFile);
  if (!named) return testFile.replace(/\.test$/, "");
  return path.isAbsolute(named) ? named : path.join(dir, named);
}

function globMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(
    "^" +
      pattern
        .split("*")
        .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*") +
      "$",
    "s",
  );
  return regex.test(value);
}

function describeMessage(message: DeliveredMessage | undefined): string[] {
  if (!message) return ["no message was delivered"];
  return [`envelope from ${message.mailFrom || "<>"} to ${message.recipients.join(" ")}`, ...message.fields.map((f) => `header ${f.name}: ${f.value}`)];
}

function check(expectation: Expectation, exchange: Exchange, message: DeliveredMessage | undefined): string[] | null {
  switch (expectation.kind) {
    case "reply": {
      const last = exchange.replies[exchange.replies.length - 1];
      if (!last) return ["no reply (the step does not answer)"];
      const ok = last.code === expectation.code && (!expectation.enhanced || last.enhanced === expectation.enhanced);
      return ok ? null : formatReply(last).map((l) => l.replace(/^S: /, ""));
    }
    case "wouldRefuse": {
      const found = exchange.observations.some((o) => o.reply.code === expectation.code && (!expectation.enhanced || o.reply.enhanced === expectation.enhanced));
      if (found) return null;
      if (exchange.observations.length === 0) return ["no observe-only rule would have refused this step"];
      return exchange.observations.map((o) => `would refuse ${o.reply.code} ${o.reply.enhanced} (${ruleLocation(o.origin)})`);
    }
    case "envelope": {
      if (!message) return describeMessage(message);
      const sameTo = message.recipients.length === expectation.to.length && message.recipients.every((r, i) => r.toLowerCase() === expectation.to[i]!.toLowerCase());
      const from = expectation.from === "<>" ? "" : expectation.from;
      return message.mailFrom.toLowerCase() === from.toLowerCase() && sameTo ? null : [`envelope from ${message.mailFrom || "<>"} to ${message.recipients.join(" ")}`];
    }
    case "header": {
      if (!message) return describeMessage(message);
      const fields = message.fields.filter((f) => f.name.toLowerCase() === expectation.name.toLowerCase());
      if (expectation.absent) return fields.length === 0 ? null : fields.map((f) => `header ${f.name}: ${f.value}`);
      const found = fields.some((f) => expectation.value === undefined || globMatch(expectation.value, f.value));
      if (found) return null;
      return fields.length > 0 ? fields.map((f) => `header ${f.name}: ${f.value}`) : [`no ${expectation.name} field; the message has:`, ...describeMessage(message).slice(1)];
    }
  }
}

async function runCase(graph: RuleGraph, testCase: TestCase, trace: TraceStep[]): Promise<CaseResult> {
  const simulation = await simulate(
    graph,
    testCase.items.map((i) => i.step),
    {
      now: () => TEST_CLOCK,
      messageId: (n) => `<test.${n}@${graph.hostname}>`,
    },
  );
  const failures: Failure[] = [];
  let message: DeliveredMessage | undefined;
  testCase.items.forEach((item, index) => {
    const exchange = simulation.exchanges[index];
    if (exchange) {
      trace.push(...exchange.trace);
      if (exchange.delivered) message = exchange.delivered;
      else if (exchange.step.kind === "data") message = undefined;
    }
    for (const expectation of item.expectations) {
      if (!exchange) {
        failures.push({ line: expectation.line, expected: expectation.text, actual: ["the step was not run: it comes after QUIT"], trace: [] });
        continue;
      }
      const actual = check(expectation, exchange, message);
      if (actual) failures.push({ line: expectation.line, expected: expectation.text.replace(/^expect\s+/, ""), actual, trace: exchange.trace.map(formatTraceStep) });
    }
  });
  return { name: testCase.name, line: testCase.line, failures };
}

export async function runTestFile(testFile: string): Promise<TestFileResult> {
  const result: TestFileResult = { file: testFile, policy: "", problems: [], diagnostics: [], cases: [], trace: [] };
  let text: string;
  try {
    text = fs.readFileSync(testFile, "utf8");
  } catch (error) {
    result.problems.push(`cannot read \`${testFile}\`: ${(error as Error).message}`);
    return result;
  }
  const parsed = parseTestFile(testFile, text);
  result.policy = policyOfTestFile(testFile, parsed.policy);
  for (const p of parsed.problems) result.problems.push(`${testFile}:${p.line}: ${p.message}`);
  if (parsed.problems.length > 0) return result;
  let policyText: string;
  try {
    policyText = fs.readFileSync(result.policy, "utf8");
  } catch (error) {
    result.problems.push(`cannot read the policy \`${result.policy}\`: ${(error as Error).message}`);
    return result;
  }
  const compiled = compilePolicy(result.policy, policyText);
  result.diagnostics = compiled.diagnostics;
  if (hasErrors(compiled.diagnostics) || !compiled.graph) {
    result.problems.push(`the policy \`${result.policy}\` has errors; run \`msac check ${result.policy}\``);
    return result;
  }
  result.graph = compiled.graph;
  result.policyText = policyText;
  for (const testCase of parsed.cases) result.cases.push(await runCase(compiled.graph, testCase, result.trace));
  return result;
}

// ---- coverage ----

export interface CoveredRule {
  location: string;
  line: number;
  node: string;
  source: string;
  exercised: boolean;
  /** How often the rule was consulted, by outcome, across all cases. */
  outcomes: Record<TraceStep["outcome"], number>;
  /** For a `senders` block: which of its logins' entries some case used to let a sender through. */
  entries?: { used: string[]; unused: string[] };
}

export interface Coverage {
  policy: string;
  rules: CoveredRule[];
  exercised: number;
  total: number;
  percent: number;
}

/**
 * The rules a session can exercise: every node the decision stages consult, the
 * `allow postmaster` exception, `auth users`, the `limit rate` and `throttle auth`
 * rules (exercised when a check of them ran), `aliases`, `sign dkim` and the deliver
 * rule, by policy line.
 * Settings that no session step decides (hostname, listen, tls, log) are not
 * counted; `msac print` shows them.
 */
export function decisionRules(graph: RuleGraph): { origin: RuleOrigin; node: string }[] {
  const rules = new Map<number, { origin: RuleOrigin; node: string }>();
  const add = (origin: RuleOrigin, node: string) => {
    if (origin.line > 0 && !rules.has(origin.line)) rules.set(origin.line, { origin, node });
  };
  const { auth, mail, rcpt, message } = graph.stages;
  for (const node of [...auth, ...envelopeNodes(mail), ...envelopeNodes(rcpt), ...messageNodes(message)]) {
    add(node.origin, node.kind === "AddHeader" ? `Add${node.field.replace("-", "")}` : node.kind);
    if (node.kind === "RequireAuth" && node.postmaster) add(node.postmaster.origin, "AllowPostmaster");
    if (node.kind === "RequireAuth") for (const trusted of node.trusted ?? []) add(trusted.origin, "AllowTrustedNetwork");
  }
  if (graph.logins) add(graph.logins.origin, loginSourceNode(graph.logins));
  if (graph.aliases) add(graph.aliases.origin, "Aliases");
  for (const signature of graph.dkim) add(signature.origin, "SignDkim");
  for (const rate of graph.limits.rates) add(rate.origin, "LimitRate");
  add(graph.limits.throttle.origin, "ThrottleAuth");
  add(graph.deliver.origin, graph.deliver.kind);
  return [...rules.values()].sort((a, b) => a.origin.line - b.origin.line);
}

export function coverageOf(policy: string, graph: RuleGraph, policyText: string, trace: readonly TraceStep[]): Coverage {
  const hits = new Map<number, Record<TraceStep["outcome"], number>>();
  for (const step of trace) {
    if (step.origin.line <= 0) continue;
    const counts = hits.get(step.origin.line) ?? { pass: 0, refuse: 0, change: 0, skip: 0, observe: 0 };
    counts[step.outcome]++;
    hits.set(step.origin.line, counts);
  }
  const usedEntries = new Map<number, Set<string>>();
  for (const step of trace) {
    if (step.entry === undefined || step.node !== "SubmissionRights") continue;
    const used = usedEntries.get(step.origin.line) ?? new Set<string>();
    used.add(step.entry);
    usedEntries.set(step.origin.line, used);
  }
  const rights = envelopeNodes(graph.stages.mail).find((n) => n.kind === "SubmissionRights");
  const entriesOf = (line: number): CoveredRule["entries"] | undefined => {
    if (!rights || rights.kind !== "SubmissionRights" || rights.origin.line !== line || rights.file !== undefined) return undefined;
    const used = usedEntries.get(line) ?? new Set<string>();
    const logins = Object.keys(rights.senders);
    return { used: logins.filter((l) => used.has(l)), unused: logins.filter((l) => !used.has(l)) };
  };
  const lines = policyText.split("\n");
  const rules = decisionRules(graph).map(({ origin, node }): CoveredRule => {
    const entries = entriesOf(origin.line);
    return {
      location: ruleLocation(origin),
      line: origin.line,
      node,
      source: (lines[origin.line - 1] ?? "").replace(/\s+#.*$/, "").trim(),
      exercised: hits.has(origin.line),
      outcomes: hits.get(origin.line) ?? { pass: 0, refuse: 0, change: 0, skip: 0, observe: 0 },
      ...(entries ? { entries } : {}),
    };
  });
  const exercised = rules.filter((r) => r.exercised).length;
  return { policy, rules, exercised, total: rules.length, percent: rules.length === 0 ? 100 : Math.floor((exercised * 1000) / rules.length) / 10 };
}
