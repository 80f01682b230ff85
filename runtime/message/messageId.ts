// Makes a new Message-ID (RFC 5322 section 3.6.4) for `add Message-ID`: unique by time plus 96 random bits,
// made global by our hostname on the right of the "@".

import { randomHex } from "../randomHex.js";

// RFC 5322 section 3.6.4: id-right = dot-atom-text / no-fold-literal
const DOT_ATOM_TEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const NO_FOLD_LITERAL = /^\[[\x21-\x5a\x5e-\x7e]*\]$/;

/** `<time.random@hostname>`; throws when hostname cannot be the right side of a msg-id. */
export function newMessageId(hostname: string): string {
  if (!DOT_ATOM_TEXT.test(hostname) && !NO_FOLD_LITERAL.test(hostname)) {
    throw new TypeError(`hostname \`${hostname}\` cannot be the right side of a Message-ID`);
  }
  // id-left is dot-atom-text: base 36 time, a dot, then hex, both plain atext
  const left = `${Date.now().toString(36)}.${randomHex(12)}`;
  return `<${left}@${hostname}>`;
}
