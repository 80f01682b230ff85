// A built-in cap on the header section (the fields before the empty line), checked on the raw bytes
// before anything parses them: every per-message step reads the header field by field, and a header
// section of megabytes is not mail but a way to make the server work (issue 13; docs/limits.md).
import type { RuleOrigin } from "../../graph/graph.js";
import type { Reply } from "../decision/replies.js";

/** 1 MiB, Exim's default `header_maxsize`; real header sections are a few kilobytes. */
export const MAX_HEADER_SECTION_BYTES = 1024 * 1024;

// 552 5.3.4 rather than 554 5.6.0: such a header can be valid RFC 5322 syntax; it is too big for this
// system (RFC 3463 section 3.4, RFC 5321 section 4.5.3.1.10), as Exim answers a header over its limit.
export const HEADER_SECTION_TOO_LARGE: Reply = { code: 552, enhanced: "5.3.4", text: "Message header section exceeds fixed maximum size of 1 MiB" };

/** The origin a refusal is logged with: no policy line decides it. */
export function headerSectionLimitOrigin(policyFile: string): RuleOrigin {
  return { file: policyFile, line: 0, span: { start: 0, end: 0 }, builtin: "header section at most 1 MiB" };
}

/**
 * The header section's length in bytes when it exceeds MAX_HEADER_SECTION_BYTES, else null. The
 * section ends with the CRLF before the first empty line, or with the data when there is none.
 */
export function oversizedHeaderSection(message: Buffer): number | null {
  if (message.length <= MAX_HEADER_SECTION_BYTES) return null;
  if (message[0] === 0x0d && message[1] === 0x0a) return null; // an empty header section
  const blankLine = message.indexOf("\r\n\r\n");
  const length = blankLine < 0 ? message.length : blankLine + 2;
  return length > MAX_HEADER_SECTION_BYTES ? length : null;
}
