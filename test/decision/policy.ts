// Helpers for the decision-core tests: compile a small policy in memory (a fake
// CompilerHost supplies the users file; certificates come from makeTestPki by
// absolute path) and run events through decide().
import { expect } from "vitest";
import { makeTestPki } from "../support/certificates.js";
import type { CompilerHost } from "../../compiler/checkFiles.js";
import { compilePolicy, fileSystemHost } from "../../compiler/compile.js";
import type { RuleGraph } from "../../graph/graph.js";
import { decide, type SmtpEvent } from "../../runtime/decision/decide.js";
import { newSession, type SessionState } from "../../runtime/decision/session.js";
import type { Decision } from "../../runtime/decision/verdict.js";

export const POLICY_FILE = "/policies/test.msa";
const USERS = "demo:$2y$04$XBry38Mga1WHP0VBs0cQdOCOhshu7m.qhlFw7ll9oN9xc6kxXcIi.\n";

const host: CompilerHost = {
  readFile(path) {
    if (path.endsWith("users.passwd")) return { ok: true, text: USERS };
    return fileSystemHost.readFile(path);
  },
};

/** Compiles `lines` (one rule per array entry, so line N is lines[N-1]) and fails on diagnostics that are errors. */
export function policy(...lines: string[]): RuleGraph {
  const text = lines.join("\n") + "\n";
  const result = compilePolicy(POLICY_FILE, text, host);
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  expect(errors.map((d) => `${d.span.start}: ${d.message}`)).toEqual([]);
  return result.graph!;
}

/** The line number (1-based) of the first line of `lines` that starts with `prefix`. */
export function lineOf(lines: readonly string[], prefix: string): number {
  const index = lines.findIndex((l) => l.startsWith(prefix));
  if (index < 0) throw new Error(`no line starts with ${prefix}`);
  return index + 1;
}

export interface Session {
  state: SessionState;
  last?: Decision<unknown>;
}

/**
 * A plain-listener session after EHLO, optionally over TLS, logged in (with the sender addresses
 * its login source gave), on a listener of the graph (listenerKey), from `client` (192.0.2.7).
 */
export function session(graph: RuleGraph, options: { tls?: boolean; login?: string; addresses?: string[]; ehlo?: boolean; listener?: string; client?: string } = {}): SessionState {
  let state = newSession(options.tls ? "tls" : "plain", options.client ?? "192.0.2.7", options.listener);
  state = decide(graph, state, { type: "helo", name: "client.example", extended: options.ehlo ?? true }).state;
  if (options.login) state = decide(graph, state, { type: "authenticated", login: options.login, ...(options.addresses ? { addresses: options.addresses } : {}) }).state;
  return state;
}

/** Runs events in order, threading the state; returns every decision. */
export function run(graph: RuleGraph, state: SessionState, events: SmtpEvent[]): Decision<unknown>[] {
  const decisions: Decision<unknown>[] = [];
  for (const event of events) {
    const decision: Decision<unknown> = decide(graph, state, event);
    decisions.push(decision);
    state = decision.state;
  }
  return decisions;
}

/** `CODE ENHANCED` of a refusal, or "accept". */
export function outcome(decision: Decision<unknown>): string {
  return decision.verdict.kind === "accept" ? "accept" : `${decision.verdict.reply.code} ${decision.verdict.reply.enhanced}`;
}

/** `FILE:LINE` of the rule that refused. */
export function decidedBy(decision: Decision<unknown>): string {
  if (decision.verdict.kind !== "refuse") return "accepted";
  return `${decision.verdict.origin.file}:${decision.verdict.origin.line}`;
}

export const mail = (address: string, params: Record<string, string | true> = {}): SmtpEvent => ({ type: "mail", address, params });
export const rcpt = (address: string, params: Record<string, string | true> = {}): SmtpEvent => ({ type: "rcpt", address, params });

const pki = await makeTestPki();
/** The `tls certificate` line for the test PKI. */
export const TLS_LINE = `tls certificate "${pki.certPath}" key "${pki.keyPath}"`;
