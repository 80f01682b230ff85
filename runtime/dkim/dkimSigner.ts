// DKIM signing of outgoing submissions (RFC 6409 section 8.5, RFC 6376, RFC 8463): loads each
// configured key once, then prepends one DKIM-Signature per signature whose domain covers the
// From domain. Canonicalisation and field formatting are mailauth 4.x's; field selection
// (including oversigning, which mailauth lacks) is here. It never returns a message that should
// have been signed and is not: every failure throws `DkimSigningError` (the server answers 451 4.3.0).
import crypto, { type KeyObject } from "node:crypto";
import fs from "node:fs/promises";
import type { DkimSignatureNode, RuleGraph } from "../../graph/graph.js";
import { domainCovers, normalizeDomain } from "./domainCovers.js";
import { messageFromDomain } from "./fromDomain.js";

export type DkimAlgorithm = "rsa-sha256" | "ed25519-sha256";

/** One `sign dkim` rule: which key signs for which domain. */
export interface DkimSignature {
  /** The d= tag; signs mail whose From domain is this domain or one of its subdomains. */
  domain: string;
  /** The s= tag; the key is published at `SELECTOR._domainkey.DOMAIN`. */
  selector: string;
  /** PEM private key (PKCS#8, or PKCS#1 for RSA). */
  keyPath: string;
  /** Defaults to the key's type; when given, it must match the key. */
  algorithm?: DkimAlgorithm;
  /** Fields to sign (every instance present); default `DEFAULT_SIGNED_HEADERS`. */
  headers?: string[];
  /** Fields signed once more than they occur, so none can be added later (implies signing them); default `DEFAULT_OVERSIGNED_HEADERS`. */
  oversign?: string[];
}

// RFC 6376 section 5.4.1: From is required; the rest are those whose change alters what a reader sees.
export const DEFAULT_SIGNED_HEADERS: readonly string[] = [
  "From",
  "To",
  "Cc",
  "Subject",
  "Date",
  "Message-ID",
  "Reply-To",
  "In-Reply-To",
  "References",
  "MIME-Version",
  "Content-Type",
  "Content-Transfer-Encoding",
  "Sender",
];

// RFC 6376 section 8.15: an unsigned second From would be shown by some readers; oversigning forbids it.
export const DEFAULT_OVERSIGNED_HEADERS: readonly string[] = ["From"];

/** Policy-time failure: a key cannot be read, is not a usable key, or does not match its algorithm. */
export class DkimKeyError extends Error {
  override readonly name = "DkimKeyError";
}

/** Message-time failure: the server must refuse with 451 4.3.0 rather than send unsigned. */
export class DkimSigningError extends Error {
  override readonly name = "DkimSigningError";
  /** The signature that failed (its d= and s=), when one did and not the message as a whole. */
  readonly signature?: { domain: string; selector: string };
  constructor(message: string, options?: ErrorOptions & { signature?: { domain: string; selector: string } }) {
    super(message, options);
    if (options?.signature) this.signature = options.signature;
  }
}

export interface DkimSigner {
  /**
   * Returns `message` with one DKIM-Signature field prepended per signature covering
   * `fromDomain` (none covering, or `fromDomain` null: `message` itself). The body is untouched.
   */
  sign(message: Buffer, fromDomain: string | null): Promise<Buffer>;
  /**
   * Signs `message` again after a change to its body (7-bit conversion for a next hop without
   * 8BITMIME): the DKIM-Signature fields this signer put on top are taken off, and the message
   * is signed as `sign` does, for the From domain it names now. A message without such fields
   * (one this signer did not sign, such as a DSN) is returned as it is.
   */
  resign(message: Buffer): Promise<Buffer>;
  /** The `selector._domainkey.domain` names that would sign for `fromDomain`, in signing order. */
  signersFor(fromDomain: string | null): string[];
}

export interface DkimSignerOptions {
  /** The t= tag's clock (tests). */
  now?: () => Date;
}

interface LoadedSignature {
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  key: KeyObject;
  headers: string[];
  oversign: string[];
}

async function loadSignature(signature: DkimSignature): Promise<LoadedSignature> {
  const where = `DKIM key \`${signature.keyPath}\` for selector \`${signature.selector}._domainkey.${signature.domain}\``;
  const domain = normalizeDomain(signature.domain);
  if (domain === null) throw new DkimKeyError(`${where}: \`${signature.domain}\` is not a domain name`);
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(signature.selector)) {
    throw new DkimKeyError(`${where}: \`${signature.selector}\` is not a valid selector`);
  }
  let pem: Buffer;
  try {
    pem = await fs.readFile(signature.keyPath);
  } catch (error) {
    throw new DkimKeyError(`cannot read ${where}: ${(error as Error).message}`, { cause: error });
  }
  let key: KeyObject;
  try {
    key = crypto.createPrivateKey({ key: pem, format: "pem" });
  } catch (error) {
    throw new DkimKeyError(`${where} is not a PEM private key: ${(error as Error).message}`, { cause: error });
  }
  let algorithm: DkimAlgorithm;
  if (key.asymmetricKeyType === "rsa") {
    // RFC 8301 section 3.2: signers must use at least 1024 bits (and should use 2048).
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 1024) throw new DkimKeyError(`${where} is an RSA key of ${bits} bits; DKIM needs at least 1024 (RFC 8301)`);
    algorithm = "rsa-sha256";
  } else if (key.asymmetricKeyType === "ed25519") {
    algorithm = "ed25519-sha256"; // RFC 8463
  } else {
    throw new DkimKeyError(`${where} is a \`${key.asymmetricKeyType}\` key; DKIM signs with RSA or Ed25519`);
  }
  if (signature.algorithm !== undefined && signature.algorithm !== algorithm) {
    throw new DkimKeyError(`${where} is a ${algorithm.split("-")[0]} key, not one for \`${signature.algorithm}\``);
  }
  const headers = [...(signature.headers ?? DEFAULT_SIGNED_HEADERS)];
  if (!headers.some((name) => name.toLowerCase() === "from")) {
    throw new DkimKeyError(`${where}: the signed fields must include \`From\` (RFC 6376 section 5.4)`);
  }
  const bad = [...headers, ...(signature.oversign ?? [])].find((name) => !/^[\x21-\x39\x3b-\x7e]+$/.test(name));
  if (bad !== undefined) throw new DkimKeyError(`${where}: \`${bad}\` is not a header field name`);
  return { domain, selector: signature.selector, algorithm, key, headers, oversign: [...(signature.oversign ?? DEFAULT_OVERSIGNED_HEADERS)] };
}

interface HeaderField {
  /** Lower-case field name. */
  key: string;
  /** The field's bytes including continuation lines, without the final line break. */
  line: Buffer;
}

/** Splits a message into its header fields and its body (RFC 5322 section 2.1). */
function splitMessage(message: Buffer): { fields: HeaderField[]; body: Buffer } {
  let end = -1;
  let bodyStart = message.length;
  if (message[0] === 0x0d && message[1] === 0x0a) {
    end = 0;
    bodyStart = 2;
  } else {
    for (let i = message.indexOf(0x0a); i !== -1; i = message.indexOf(0x0a, i + 1)) {
      const next = message[i + 1] === 0x0d && message[i + 2] === 0x0a ? 2 : message[i + 1] === 0x0a ? 1 : 0;
      if (next > 0) {
        end = i + 1;
        bodyStart = i + 1 + next;
        break;
      }
    }
  }
  const headerBytes = end === -1 ? message : message.subarray(0, end);
  const fields: HeaderField[] = [];
  let start = 0;
  while (start < headerBytes.length) {
    let lineEnd = headerBytes.indexOf(0x0a, start);
    // continuation lines start with WSP and belong to the field above
    while (lineEnd !== -1 && (headerBytes[lineEnd + 1] === 0x20 || headerBytes[lineEnd + 1] === 0x09)) {
      lineEnd = headerBytes.indexOf(0x0a, lineEnd + 1);
    }
    const stop = lineEnd === -1 ? headerBytes.length : lineEnd;
    const raw = headerBytes.subarray(start, stop > start && headerBytes[stop - 1] === 0x0d ? stop - 1 : stop);
    const colon = raw.indexOf(0x3a);
    if (colon <= 0) throw new DkimSigningError("the message's header section has a line that is not a header field");
    fields.push({ key: raw.subarray(0, colon).toString("latin1").trim().toLowerCase(), line: raw });
    start = stop + 1;
  }
  return { fields, body: end === -1 ? Buffer.alloc(0) : message.subarray(bodyStart) };
}

/**
 * The h= list and the fields it signs: every instance of each signed or oversigned name, bottom-up
 * (RFC 6376 section 5.4.2), then each oversigned name once more, which a verifier reads as an
 * absent field (so adding one later breaks the signature).
 */
function selectFields(fields: HeaderField[], signature: LoadedSignature): { keys: string; headers: { line: Buffer }[] } {
  const names: string[] = [];
  const headers: { line: Buffer }[] = [];
  const seen = new Set<string>();
  // an oversigned field is signed wherever it occurs, even when the signed list leaves it out
  for (const name of [...signature.headers, ...signature.oversign]) {
    const key = name.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    for (let i = fields.length - 1; i >= 0; i--) {
      if (fields[i]!.key === key) {
        names.push(name);
        headers.push(fields[i]!);
      }
    }
  }
  for (const name of signature.oversign) names.push(name);
  return { keys: names.join(": "), headers };
}

/** mailauth's canonicalisation and formatting, loaded with the first signer (a policy without `sign dkim` never loads them: 5 MB of heap). */
type Mailauth = {
  dkimBody: typeof import("mailauth/lib/dkim/body/index.js").dkimBody;
  generateCanonicalizedHeader: typeof import("mailauth/lib/dkim/header/index.js").generateCanonicalizedHeader;
  formatSignatureHeaderLine: typeof import("mailauth/lib/tools.js").formatSignatureHeaderLine;
};

async function loadMailauth(): Promise<Mailauth> {
  const [body, header, tools] = await Promise.all([import("mailauth/lib/dkim/body/index.js"), import("mailauth/lib/dkim/header/index.js"), import("mailauth/lib/tools.js")]);
  return { dkimBody: body.dkimBody, generateCanonicalizedHeader: header.generateCanonicalizedHeader, formatSignatureHeaderLine: tools.formatSignatureHeaderLine };
}

function signOne(mailauth: Mailauth, fields: HeaderField[], bodyHash: string, signature: LoadedSignature, now: Date): string {
  const { generateCanonicalizedHeader, formatSignatureHeaderLine } = mailauth;
  const { canonicalizedHeader, dkimHeaderOpts } = generateCanonicalizedHeader("DKIM", selectFields(fields, signature), {
    signingDomain: signature.domain,
    selector: signature.selector,
    algorithm: signature.algorithm,
    canonicalization: "relaxed/relaxed",
    bodyHash,
    signTime: now,
  });
  // RFC 8463 section 3: Ed25519 signs the SHA-256 hash of the canonicalised header (PureEdDSA over it).
  const signed =
    signature.algorithm === "rsa-sha256"
      ? crypto.sign("sha256", canonicalizedHeader, signature.key)
      : crypto.sign(null, crypto.createHash("sha256").update(canonicalizedHeader).digest(), signature.key);
  return formatSignatureHeaderLine("DKIM", { ...dkimHeaderOpts, b: signed.toString("base64") }, true);
}

/** The signer of a graph's `sign dkim` rules (null when it has none); throws `DkimKeyError` as createDkimSigner does. */
export async function graphSigner(graph: RuleGraph): Promise<DkimSigner | null> {
  return graph.dkim.length === 0 ? null : createDkimSigner(graph.dkim.map(signatureOfRule));
}

/** What one `sign dkim` rule of the graph signs with. */
export function signatureOfRule({ domain, selector, keyPath, headers, oversign }: DkimSignatureNode): DkimSignature {
  return { domain, selector, keyPath, ...(headers ? { headers } : {}), ...(oversign ? { oversign } : {}) };
}

/** Loads every key now (throwing `DkimKeyError` for the first unusable one) and returns the signer. */
export async function createDkimSigner(signatures: DkimSignature[], options: DkimSignerOptions = {}): Promise<DkimSigner> {
  const [loaded, mailauth] = await Promise.all([Promise.all(signatures.map(loadSignature)), loadMailauth()]);
  const now = options.now ?? (() => new Date());
  const covering = (fromDomain: string | null) => (fromDomain === null ? [] : loaded.filter((s) => domainCovers(s.domain, fromDomain)));
  const signer: DkimSigner = {
    signersFor: (fromDomain) => covering(fromDomain).map((s) => `${s.selector}._domainkey.${s.domain}`),
    async resign(message) {
      const unsigned = withoutLeadingSignatures(message, loaded);
      if (unsigned.length === message.length) return message;
      return signer.sign(unsigned, messageFromDomain(unsigned));
    },
    async sign(message, fromDomain) {
      const signers = covering(fromDomain);
      if (signers.length === 0) return message;
      try {
        const { fields, body } = splitMessage(message);
        if (!fields.some((field) => field.key === "from")) throw new DkimSigningError("the message has no From field to sign");
        const hasher = mailauth.dkimBody("relaxed", "sha256", false);
        hasher.update(body);
        const bodyHash = hasher.digest("base64");
        const time = now();
        const added = signers.map((signature) => {
          try {
            return `${signOne(mailauth, fields, bodyHash, signature, time)}\r\n`;
          } catch (error) {
            const named = { domain: signature.domain, selector: signature.selector };
            throw new DkimSigningError(`DKIM signing failed: ${(error as Error).message}`, { cause: error, signature: named });
          }
        });
        return Buffer.concat([Buffer.from(added.join(""), "latin1"), message]);
      } catch (error) {
        if (error instanceof DkimSigningError) throw error;
        throw new DkimSigningError(`DKIM signing failed: ${(error as Error).message}`, { cause: error });
      }
    },
  };
  return signer;
}

/**
 * `message` without the DKIM-Signature fields at its top that one of `signatures` made (their d=
 * and s=); signatures further down, or by other signers, stay.
 */
function withoutLeadingSignatures(message: Buffer, signatures: LoadedSignature[]): Buffer {
  let start = 0;
  for (;;) {
    let end = message.indexOf(0x0a, start);
    // continuation lines start with WSP and belong to the field above
    while (end !== -1 && (message[end + 1] === 0x20 || message[end + 1] === 0x09)) end = message.indexOf(0x0a, end + 1);
    if (end === -1) return message.subarray(start);
    const field = message.subarray(start, end).toString("latin1");
    const colon = field.indexOf(":");
    if (colon <= 0 || field.slice(0, colon).trim().toLowerCase() !== "dkim-signature") return message.subarray(start);
    const tags = new Map<string, string>();
    for (const tag of field
      .slice(colon + 1)
      .replace(/\s+/g, "")
      .split(";")) {
      const equals = tag.indexOf("=");
      if (equals > 0) tags.set(tag.slice(0, equals).toLowerCase(), tag.slice(equals + 1));
    }
    const ours = signatures.some((s) => s.domain === normalizeDomain(tags.get("d") ?? "") && s.selector.toLowerCase() === (tags.get("s") ?? "").toLowerCase());
    if (!ours) return message.subarray(start);
    start = end + 1;
  }
}
