// RFC 6409 section 8.4 (and RFC 6152 section 3): an 8-bit message bound for a next hop that does
// not offer 8BITMIME is converted to 7-bit MIME instead of being refused. Pure function of the
// message bytes (CRLF line ends, as the spool and the session keep them); no I/O.
//
// - Leaf parts whose body has 8-bit bytes (or says 8bit/binary) are re-encoded: text/* as
//   quoted-printable, everything else as base64; the decoded content is exactly the original.
// - multipart/* and message/rfc822 are not encoded themselves (RFC 2045 section 6.4): their
//   parts, or the embedded message, are converted recursively and their own CTE becomes 7bit.
// - Header fields with 8-bit bytes (UTF-8) become RFC 2047 encoded words, only in the words that
//   need it; Content-Type and Content-Disposition parameters use RFC 2231. ASCII fields are
//   left byte for byte as they were.
// - It never guesses: a non-ASCII address in a header field, a header that is not UTF-8, or
//   base64 with 8-bit bytes in it cannot be converted and is reported as such (the caller
//   refuses with 554 5.6.3).

import { isAscii } from "node:buffer";
import { createRequire } from "node:module";
import type Libmime from "libmime";
import libqp from "libqp";
import addressparser from "nodemailer/lib/addressparser";

export type SevenBitConversion = { kind: "unchanged" } | { kind: "converted"; message: Buffer } | { kind: "impossible"; reason: string };

const CRLF = Buffer.from("\r\n");
const LINE_LENGTH = 76; // RFC 2045 section 6.7 (quoted-printable) and 6.8 (base64)
/** RFC 2047 section 2: an encoded word is at most 75 characters; 52 bytes of UTF-8 text fit */
const ENCODED_WORD_TEXT = 52;
/** fields whose values are address lists (RFC 5322 section 3.6.2 and 3.6.3, 3.6.6) */
const ADDRESS_FIELDS = new Set(["from", "sender", "reply-to", "to", "cc", "bcc", "resent-from", "resent-sender", "resent-to", "resent-cc", "resent-bcc"]);
/** fields with MIME parameters (RFC 2045 section 5, RFC 2183) */
const PARAMETER_FIELDS = new Set(["content-type", "content-disposition"]);
/** a MIME entity nested deeper than this is refused instead of recursing on */
const MAX_DEPTH = 50;

class ConversionImpossible extends Error {}

let loadedLibmime: typeof Libmime | undefined;
/** libmime and its character set tables (2.4 MB of heap), loaded by the first conversion, not by every server that might convert. */
function libmime(): typeof Libmime {
  loadedLibmime ??= createRequire(import.meta.url)("libmime") as typeof Libmime;
  return loadedLibmime;
}

/** Whether any byte of the message is outside US-ASCII (the test the caller makes first). */
export function hasEightBitByte(bytes: Buffer): boolean {
  // node:buffer's isAscii runs in native code: this is on the path of every relayed message.
  return !isAscii(bytes);
}

/**
 * Converts a whole message to 7-bit MIME. `unchanged` when it has no 8-bit byte (nothing to do);
 * `impossible` with a reason for the reply text when it cannot be converted without loss.
 */
export function convertTo7Bit(message: Buffer): SevenBitConversion {
  if (!hasEightBitByte(message)) return { kind: "unchanged" };
  try {
    return { kind: "converted", message: convertEntity(message, true, 0, "text/plain") };
  } catch (error) {
    if (error instanceof ConversionImpossible) return { kind: "impossible", reason: error.message };
    throw error;
  }
}

interface HeaderField {
  /** the field as it was, folded lines and all, without the final CRLF */
  raw: Buffer;
  /** lower case */
  name: string;
}

/** One MIME entity (the message, a body part, an embedded message): header section and body. */
function convertEntity(entity: Buffer, topLevel: boolean, depth: number, defaultType: string): Buffer {
  if (depth > MAX_DEPTH) throw new ConversionImpossible("MIME structure nested too deeply");
  const { fields, body, separator } = splitEntity(entity);
  const contentType = parseParameterField(fieldValue(fields, "content-type") ?? defaultType);
  const mediaType = contentType.value.toLowerCase();
  const encoding = (fieldValue(fields, "content-transfer-encoding") ?? "7bit").trim().toLowerCase();

  let newBody = body;
  let newEncoding: string | undefined; // undefined: keep the field as it is
  if (mediaType.startsWith("multipart/") && typeof contentType.params.boundary === "string") {
    newBody = convertMultipart(body, contentType.params.boundary, depth, mediaType === "multipart/digest" ? "message/rfc822" : "text/plain");
    if (encoding !== "7bit") newEncoding = "7bit";
  } else if (mediaType === "message/rfc822" && !isEncoded(encoding)) {
    newBody = convertEntity(body, false, depth + 1, "text/plain");
    if (encoding !== "7bit") newEncoding = "7bit";
  } else if (hasEightBitByte(body) || encoding === "8bit" || encoding === "binary") {
    let decoded: Buffer;
    if (encoding === "quoted-printable")
      decoded = libqp.decode(body); // raw 8-bit bytes read as themselves
    else if (encoding === "base64") throw new ConversionImpossible("a base64 part holds 8-bit bytes");
    else decoded = body; // 7bit (mislabelled), 8bit, binary: the bytes are the content
    if (mediaType.startsWith("text/")) {
      newBody = Buffer.from(withCrlf(libqp.wrap(libqp.encode(decoded), LINE_LENGTH)), "ascii");
      newEncoding = "quoted-printable";
    } else {
      newBody = Buffer.from(withCrlf(wrapBase64(decoded.toString("base64"))), "ascii");
      newEncoding = "base64";
    }
  }

  const newFields = fields.map((field) => (hasEightBitByte(field.raw) ? encodeHeaderField(field) : field.raw));
  const hasField = (name: string): boolean => fields.some((field) => field.name === name);
  if (newEncoding !== undefined) {
    const index = fields.findIndex((field) => field.name === "content-transfer-encoding");
    const line = Buffer.from(`Content-Transfer-Encoding: ${newEncoding}`);
    if (index >= 0) newFields[index] = line;
    else newFields.push(line);
    if (topLevel && !hasField("mime-version")) newFields.push(Buffer.from("MIME-Version: 1.0"));
    if (!hasField("content-type")) {
      // no MIME labels at all: say what the bytes are as far as we can tell (RFC 1428 for the rest)
      const charset = isUtf8(body) ? "utf-8" : "unknown-8bit";
      newFields.push(Buffer.from(`Content-Type: ${defaultType}${defaultType === "text/plain" ? `; charset=${charset}` : ""}`));
    }
  }
  const head = newFields.flatMap((field) => [field, CRLF]);
  return Buffer.concat([...head, separator, newBody]);
}

function isEncoded(encoding: string): boolean {
  return encoding === "quoted-printable" || encoding === "base64";
}

/** RFC 2046 section 5.1.1: the body split on its boundary lines; preamble and epilogue kept when 7-bit. */
function convertMultipart(body: Buffer, boundary: string, depth: number, partDefaultType: string): Buffer {
  const delimiter = `--${boundary}`;
  const delimiterBytes = Buffer.from(delimiter, "latin1");
  const lines = splitLines(body);
  const out: Buffer[] = [];
  let partStart = -1; // offset where the current part's bytes begin
  let preambleEnd = -1;
  let closed = false;
  for (const line of lines) {
    // only a line that starts with the delimiter can be one; trailing blanks are trimmed by offset,
    // since `[ \t]+$` would retry at every blank of a long run (quadratic)
    if (!startsWithAt(body, delimiterBytes, line.start)) continue;
    const text = body.toString("latin1", line.start, trimmedEnd(body, line.start, line.end));
    if (text !== delimiter && text !== `${delimiter}--`) continue;
    // the CRLF before a delimiter belongs to the delimiter (RFC 2046 section 5.1.1)
    const contentEnd = Math.max(line.start - 2, Math.max(partStart, 0));
    if (partStart < 0) {
      preambleEnd = line.start === 0 ? 0 : line.start - 2;
      const preamble = body.subarray(0, preambleEnd);
      if (line.start > 0 && !hasEightBitByte(preamble)) out.push(preamble, CRLF); // an 8-bit preamble is for non-MIME readers: dropped
    } else {
      out.push(convertEntity(body.subarray(partStart, contentEnd), false, depth + 1, partDefaultType), CRLF);
    }
    if (text === `${delimiter}--`) {
      out.push(Buffer.from(`${delimiter}--`));
      const epilogue = body.subarray(line.end);
      out.push(hasEightBitByte(epilogue) ? CRLF : epilogue);
      closed = true;
      break;
    }
    out.push(Buffer.from(delimiter), CRLF);
    partStart = Math.min(line.end + 2, body.length);
  }
  if (partStart < 0) {
    // no boundary at all: nothing MIME can say about these bytes; encode them as one text part would be a guess
    throw new ConversionImpossible("a multipart body has no boundary line");
  }
  if (!closed) {
    // the close delimiter is missing (RFC 2046 asks readers to cope): the rest is the last part
    out.push(convertEntity(body.subarray(partStart), false, depth + 1, partDefaultType), CRLF, Buffer.from(`${delimiter}--`), CRLF);
  }
  return Buffer.concat(out);
}

function startsWithAt(bytes: Buffer, prefix: Buffer, at: number): boolean {
  return at + prefix.length <= bytes.length && bytes.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}

/** `end` moved back over trailing SP and HTAB, not before `start`. */
function trimmedEnd(bytes: Buffer, start: number, end: number): number {
  while (end > start && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0x09)) end--;
  return end;
}

/** Lines of a CRLF buffer as [start, end) offsets without the CRLF. */
function splitLines(bytes: Buffer): { start: number; end: number }[] {
  const lines: { start: number; end: number }[] = [];
  let start = 0;
  for (;;) {
    const end = bytes.indexOf(CRLF, start);
    if (end < 0) {
      lines.push({ start, end: bytes.length });
      return lines;
    }
    lines.push({ start, end });
    start = end + 2;
  }
}

function splitEntity(entity: Buffer): { fields: HeaderField[]; body: Buffer; separator: Buffer } {
  let headEnd: number;
  let bodyStart: number;
  if (entity.subarray(0, 2).equals(CRLF)) {
    headEnd = 0;
    bodyStart = 2;
  } else {
    const blank = entity.indexOf("\r\n\r\n");
    headEnd = blank < 0 ? entity.length : blank;
    bodyStart = blank < 0 ? entity.length : blank + 4;
  }
  // A field is sliced out once its last continuation line is known: joining the lines one by one
  // would copy the field again for each fold, quadratic in the number of folded lines.
  const fields: HeaderField[] = [];
  let open: { start: number; end: number; name: string } | null = null;
  const close = (): void => {
    if (open !== null) fields.push({ raw: entity.subarray(open.start, open.end), name: open.name });
  };
  for (const { start, end } of headEnd === 0 ? [] : splitLines(entity.subarray(0, headEnd))) {
    const first = entity[start];
    if ((first === 0x20 || first === 0x09) && open !== null) {
      open.end = end;
    } else {
      close();
      const line = entity.subarray(start, end);
      const colon = line.indexOf(":");
      open = { start, end, name: (colon < 0 ? line : line.subarray(0, colon)).toString("latin1").trim().toLowerCase() };
    }
  }
  close();
  // the blank line after the header section (absent when a part is header only); each field is
  // written back followed by its CRLF, so the separator is the blank line alone
  const separator = bodyStart > headEnd ? CRLF : Buffer.alloc(0);
  return { fields, body: entity.subarray(bodyStart), separator };
}

function fieldValue(fields: HeaderField[], name: string): string | undefined {
  const field = fields.find((f) => f.name === name);
  if (!field) return undefined;
  const text = field.raw.toString("utf8");
  return unfold(text.slice(text.indexOf(":") + 1)).trim();
}

function unfold(value: string): string {
  return value.replace(/\r\n(?=[ \t])/g, "");
}

function parseParameterField(value: string): { value: string; params: Record<string, string> } {
  const parsed = libmime().parseHeaderValue(value);
  const params: Record<string, string> = {};
  for (const [key, param] of Object.entries(parsed.params)) if (typeof param === "string") params[key] = param;
  return { value: parsed.value || "text/plain", params };
}

/** RFC 2047 (and RFC 2231 for parameters): one header field with 8-bit bytes, as 7-bit. */
function encodeHeaderField(field: HeaderField): Buffer {
  const text = decodeUtf8(field.raw);
  if (text === undefined) throw new ConversionImpossible(`header field ${field.name} is not UTF-8`);
  const colon = text.indexOf(":");
  const name = text.slice(0, colon).trim();
  const value = unfold(text.slice(colon + 1)).trim();
  let encoded: string;
  if (ADDRESS_FIELDS.has(field.name)) {
    encoded = encodeAddressList(value, field.name);
  } else if (PARAMETER_FIELDS.has(field.name)) {
    encoded = libmime().buildHeaderValue(libmime().parseHeaderValue(value));
  } else {
    // unstructured text (Subject, Comments, X-...): RFC 2047 section 5 (1)
    encoded = libmime().encodeWords(value, "Q", ENCODED_WORD_TEXT);
  }
  const folded = libmime().foldLines(`${name}: ${encoded}`, LINE_LENGTH).replace(/\r?\n/g, "\r\n").replace(/\r\n$/, "");
  if (hasEightBitByte(Buffer.from(folded))) throw new ConversionImpossible(`header field ${field.name} cannot be made 7-bit`);
  return Buffer.from(folded, "ascii");
}

/** RFC 2047 section 5 (3): encoded words only in display names; an address itself must stay ASCII. */
function encodeAddressList(value: string, fieldName: string): string {
  type Entry = { name?: string; address?: string; group?: Entry[] };
  const encode = (entry: Entry): string => {
    if (entry.group) return `${displayName(entry.name ?? "")}: ${entry.group.map(encode).join(", ")};`;
    const address = entry.address ?? "";
    if (/[^\x00-\x7f]/.test(address)) {
      throw new ConversionImpossible(`header field ${fieldName} has a non-ASCII address (SMTPUTF8 content)`);
    }
    return entry.name ? `${displayName(entry.name)} <${address}>` : address;
  };
  return (addressparser(value) as Entry[]).map(encode).join(", ");
}

function displayName(name: string): string {
  if (/[^\x00-\x7f]/.test(name)) return libmime().encodeWord(name, "Q", ENCODED_WORD_TEXT);
  // RFC 5322 section 3.2.3: a phrase with specials must be a quoted string
  return /^[\w !#$%&'*+\-/=?^`{|}~]*$/.test(name) ? name : `"${name.replace(/(["\\])/g, "\\$1")}"`;
}

function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function isUtf8(bytes: Buffer): boolean {
  return decodeUtf8(bytes) !== undefined;
}

function wrapBase64(base64: string): string {
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += LINE_LENGTH) lines.push(base64.slice(i, i + LINE_LENGTH));
  return lines.join("\r\n") + (lines.length ? "\r\n" : "");
}

function withCrlf(text: string): string {
  return text.replace(/\r?\n/g, "\r\n");
}
