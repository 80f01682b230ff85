// What the language server offers at the cursor: a rule verb at the start of a
// line, and after a verb the words that may follow it (for `add`, the header
// names an MSA may add). Taken from the lexer's tables so a new verb is offered
// as soon as the grammar has it.
import { RuleVerbs } from "../../grammar/lexer.js";

export interface CompletionWord {
  label: string;
  kind: "keyword" | "header" | "value";
  detail: string;
}

/** The words that may follow each verb (contract section 3). */
const FOLLOWERS: Record<string, { words: string[]; kind: CompletionWord["kind"]; detail: string }> = {
  add: { words: ["Date", "Message-ID", "Sender", "Received"], kind: "header", detail: "header field the MSA adds (RFC 6409 section 8)" },
  require: { words: ["tls", "auth"], kind: "keyword", detail: "what a transaction requires" },
  listen: { words: ["starttls", "tls", "plain"], kind: "keyword", detail: "listener mode" },
  auth: { words: ["users"], kind: "keyword", detail: "users file" },
  tls: { words: ["certificate", "key"], kind: "keyword", detail: "certificate and key files" },
  qualify: { words: ["domains"], kind: "keyword", detail: "domains completing unqualified addresses" },
  enforce: { words: ["address", "syntax"], kind: "keyword", detail: "address syntax check" },
  allow: { words: ["postmaster", "unauthenticated"], kind: "keyword", detail: "explicit loosening" },
  limit: { words: ["size", "recipients"], kind: "keyword", detail: "limit" },
  log: { words: ["errors", "info", "debug"], kind: "value", detail: "log level" },
  deliver: { words: ["spool", "relay"], kind: "keyword", detail: "where accepted mail goes" },
};

export function completionsAt(lineBeforeCursor: string): CompletionWord[] {
  const text = lineBeforeCursor.replace(/#.*$/, "");
  if (text.length < lineBeforeCursor.length) return []; // inside a comment
  const words = text.trimStart().split(/\s+/);
  if (words.length <= 1) return RuleVerbs.map((verb) => ({ label: verb, kind: "keyword", detail: "rule" }));
  const followers = FOLLOWERS[words[0]!];
  if (!followers) return [];
  return followers.words.map((word) => ({ label: word, kind: followers.kind, detail: followers.detail }));
}
