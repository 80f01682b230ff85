// The one place policy replies become smtp-server errors. smtp-server derives an
// enhanced status code from the reply code alone (a 550 always becomes 5.1.1),
// so the policy's own enhanced code travels in the text and `MsaConnection.send`
// writes it out verbatim instead of the derived one.
import type { Reply } from "../../graph/replies.js";

export const ENHANCED_PREFIX = /^([245])\.(\d{1,3})\.(\d{1,3}) /;

export interface ReplyError extends Error {
  responseCode: number;
}

export function replyError(reply: Reply): ReplyError {
  return Object.assign(new Error(replyText(reply)), { responseCode: reply.code });
}

/** `enhanced text`, the reply line after the code. */
export function replyText(reply: Reply): string {
  return `${reply.enhanced} ${reply.text}`;
}
