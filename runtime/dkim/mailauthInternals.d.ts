// Types for the parts of mailauth 4.x that msa's DKIM signer builds on: the canonicalisation
// and formatting helpers of its own signer, which mailauth ships as CommonJS without declarations.
declare module "mailauth/lib/dkim/body/index.js" {
  interface BodyHasher {
    update(chunk: Buffer | null, final?: boolean): void;
    digest(encoding: "base64"): string;
  }
  export function dkimBody(canonicalization: string, hashAlgorithm: string, maxBodyLength: number | false): BodyHasher;
}

declare module "mailauth/lib/dkim/header/index.js" {
  interface SigningHeaderLines {
    /** The h= tag value: field names joined by ": ". */
    keys: string;
    /** The signed fields, in h= order, each its raw bytes without the final CRLF. */
    headers: { line: Buffer }[];
  }
  export function generateCanonicalizedHeader(
    type: "DKIM",
    signingHeaderLines: SigningHeaderLines,
    options: { signingDomain: string; selector: string; algorithm: string; canonicalization: string; bodyHash: string; signTime?: Date },
  ): { canonicalizedHeader: Buffer; dkimHeaderOpts: Record<string, string | number> };
}

declare module "mailauth/lib/tools.js" {
  export function formatSignatureHeaderLine(type: "DKIM", values: Record<string, string | number>, folded: boolean): string;
}
