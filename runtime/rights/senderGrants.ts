// Submission rights (RFC 6409 section 6.1): which addresses an authenticated login may use as
// MAIL FROM and, with `senders check headers`, in From: and Sender:. Pure: the table is compiled
// once from the policy's `senders` block or a senders map file, then each check is O(1) Set
// lookups. A grant that cannot be understood grants nothing (the checker reports it), so a typo
// never widens what a login may send as.
import { ownAddressOfLogin } from "../address/ownAddress.js";
import { listHeaderAddresses } from "../address/addressHeader.js";
import type { HeaderSection } from "../message/headerSection.js";
import { splitCommaList } from "../../compiler/commaList.js";
import { addressKey, configuredAddressKey, domainKey } from "./addressKey.js";

/** One login's line: `login: grant, grant`, as in a `senders { }` block or a senders map file. */
export interface SenderEntry {
  readonly login: string;
  readonly grants: readonly string[];
}

/** What a grant text means. */
export type SenderGrant =
  | { readonly kind: "address"; readonly key: string }
  | { readonly kind: "domain"; readonly domain: string }
  | { readonly kind: "all" };

/** The compiled grants of one login; addresses and domains are in addressKey / domainKey form. */
export interface LoginGrants {
  readonly addresses: ReadonlySet<string>;
  readonly domains: ReadonlySet<string>;
  readonly all: boolean;
}

export interface SenderGrantTable {
  readonly logins: ReadonlyMap<string, LoginGrants>;
}

/**
 * Reads one grant: `*` (every address), `@domain` (every address at exactly that domain, not its
 * subdomains: each host name is written down) or `local@domain`.
 */
export function parseSenderGrant(text: string): SenderGrant | { problem: string } {
  if (text === "*") return { kind: "all" };
  if (text.startsWith("@")) {
    const domain = domainKey(text.slice(1));
    if (domain === undefined) return { problem: `\`${text.slice(1)}\` in \`${text}\` is not a valid domain name` };
    return { kind: "domain", domain };
  }
  const address = configuredAddressKey(text);
  return "problem" in address ? address : { kind: "address", key: address.key };
}

/**
 * Prepares the lookup table. A login listed twice has the union of its grants (the checker and
 * sendersFromFile report the duplicate line); logins are compared exactly, as the users file does.
 */
export function compileSenderGrants(entries: readonly SenderEntry[]): SenderGrantTable {
  const logins = new Map<string, { addresses: Set<string>; domains: Set<string>; all: boolean }>();
  for (const entry of entries) {
    let grants = logins.get(entry.login);
    if (!grants) {
      grants = { addresses: new Set(), domains: new Set(), all: false };
      logins.set(entry.login, grants);
    }
    for (const text of entry.grants) {
      const grant = parseSenderGrant(text);
      if ("problem" in grant) continue;
      if (grant.kind === "all") grants.all = true;
      else if (grant.kind === "domain") grants.domains.add(grant.domain);
      else grants.addresses.add(grant.key);
    }
  }
  return { logins };
}

/**
 * May `login` use `address` (MAIL FROM, or an address of From:/Sender:)? A listed login may use
 * exactly what its grants say; a login without a line may use only its own address
 * (ownAddressOfLogin with `ownDomain`, the first `qualify domains` domain), as msa does today.
 * The null reverse path is not an address and is left to the caller (RFC 5321 section 4.5.5).
 */
export function mayUse(table: SenderGrantTable, login: string, address: string, ownDomain?: string): boolean {
  const key = addressKey(address);
  const grants = table.logins.get(login);
  if (!grants) return key.key === addressKey(ownAddressOfLogin(login, ownDomain)).key;
  if (grants.all) return true;
  if (grants.addresses.has(key.key)) return true;
  return key.domain !== null && grants.domains.has(key.domain);
}

/** An address in From: or Sender: that the login may not use. */
export interface HeaderSenderViolation {
  /** the field's name as written */
  readonly field: string;
  /** index of the field in header.fields */
  readonly index: number;
  /** the addr-spec as written in the field (comments and folding removed) */
  readonly address: string;
}

/**
 * For `senders check headers`: every address in every From: and Sender: field (RFC 5322 section
 * 3.6.2) that `login` may not use, in message order; empty when all are allowed. Run it after
 * header qualification, since an unqualified header address is compared as written.
 */
export function headerSenderViolations(
  header: HeaderSection,
  login: string,
  table: SenderGrantTable,
  ownDomain?: string,
): HeaderSenderViolation[] {
  const violations: HeaderSenderViolation[] = [];
  // One pass with the index at hand: looking each field up again (indexOf) was quadratic in the
  // number of From: fields.
  header.fields.forEach((field, index) => {
    if (!/^(from|sender)$/i.test(field.name)) return;
    for (const address of listHeaderAddresses(field.value)) {
      if (!mayUse(table, login, address, ownDomain)) violations.push({ field: field.name, index, address });
    }
  });
  return violations;
}

/** A line or grant of a senders map file that cannot be used. Lines and columns are 1-based; endColumn is exclusive. */
export interface SendersFileProblem {
  readonly line: number;
  readonly column: number;
  readonly endColumn: number;
  readonly message: string;
}

export interface SendersFileEntry extends SenderEntry {
  readonly line: number;
}

export interface ParsedSendersFile {
  readonly entries: SendersFileEntry[];
  readonly problems: SendersFileProblem[];
}

/** Offset of the `#` that starts a comment, or the line's length; a `#` inside a quoted local part is text. */
function commentStart(line: string): number {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted && char === "\\") i++;
    else if (char === '"') quoted = !quoted;
    else if (char === "#" && !quoted) return i;
  }
  return line.length;
}

/**
 * Parses a senders map file: the lines of a `senders { }` block (`login: grant, grant`, `#` starts
 * a comment), so a block can move into a file unchanged. No I/O, so `msac check` and the server
 * share it. A login listed twice is reported and its later line ignored, as the checker does inline.
 */
export function sendersFromFile(text: string): ParsedSendersFile {
  const entries: SendersFileEntry[] = [];
  const problems: SendersFileProblem[] = [];
  const firstLine = new Map<string, number>();
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  body.split("\n").forEach((rawLine, index) => {
    const line = index + 1;
    const content = rawLine.replace(/\r$/, "").slice(0, commentStart(rawLine.replace(/\r$/, "")));
    if (content.trim() === "") return;
    const indent = content.length - content.trimStart().length;
    const colon = content.indexOf(":");
    if (colon < 0) {
      const trimmed = content.trim();
      problems.push({ line, column: indent + 1, endColumn: indent + trimmed.length + 1, message: `missing \`:\` after the login in \`${trimmed}\`` });
      return;
    }
    const login = content.slice(0, colon).trim();
    if (login === "" || /\s/.test(login)) {
      problems.push({
        line,
        column: indent + 1,
        // an empty login underlines the colon, so that something is underlined
        endColumn: login === "" ? colon + 2 : colon + 1,
        message: login === "" ? "empty login before `:`" : `login \`${login}\` contains whitespace`,
      });
      return;
    }
    const previous = firstLine.get(login);
    if (previous !== undefined) {
      problems.push({ line, column: indent + 1, endColumn: indent + login.length + 1, message: `login \`${login}\` is listed twice, first on line ${previous}; this line is ignored` });
      return;
    }
    firstLine.set(login, line);
    const grants: string[] = [];
    const seen = new Set<string>();
    const pieces = splitCommaList(content.slice(colon + 1), colon + 1);
    if (pieces.length === 1 && pieces[0]!.text === "") {
      problems.push({ line, column: indent + 1, endColumn: colon + 2, message: `no address listed for \`${login}\`` });
    }
    for (const piece of pieces) {
      const column = piece.start + 1;
      const endColumn = column + Math.max(1, piece.text.length);
      if (piece.text === "") {
        if (pieces.length > 1) problems.push({ line, column, endColumn, message: "empty entry between commas" });
        continue;
      }
      if (/\s/.test(piece.text) && !piece.text.startsWith('"')) {
        problems.push({ line, column, endColumn, message: `\`${piece.text}\` contains whitespace; separate entries with \`,\`` });
        continue;
      }
      const grant = parseSenderGrant(piece.text);
      if ("problem" in grant) {
        problems.push({ line, column, endColumn, message: grant.problem });
        continue;
      }
      const key = grant.kind === "all" ? "*" : grant.kind === "domain" ? `@${grant.domain}` : grant.key;
      if (seen.has(key)) {
        problems.push({ line, column, endColumn, message: `\`${piece.text}\` is listed twice for \`${login}\`` });
        continue;
      }
      seen.add(key);
      grants.push(piece.text);
    }
    entries.push({ login, grants, line });
  });
  return { entries, problems };
}
