// `msac print` writes `auth sql` and `auth oauth` back so that the printed policy compiles to the
// same login source and the same token check (what an administrator reviews is what runs).
import { describe, expect, it } from "vitest";
import type { CompilerHost } from "../../compiler/checkFiles.js";
import { compilePolicy } from "../../compiler/compile.js";
import { printPolicy } from "../../tooling/print/print.js";

const JWKS = JSON.stringify({ keys: [{ kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" }] });
const files: Record<string, string> = {
  "/srv/msa/db.secret": "pw\n",
  "/srv/msa/jwks.json": JWKS,
  "/srv/msa/client.secret": "msa:s3cret\n",
  "/srv/msa/users.passwd": "alice:$2b$04$abcdefghijklmnopqrstuuJ7nR5u5cTHQ0ZCqyS8ZyJ9mAqK3Q3Wy\n",
};
const host: CompilerHost = { readFile: (path) => (path in files ? { ok: true, text: files[path]! } : { ok: false, missing: true, reason: "missing" }) };
const HEAD = ["hostname msa.example.test", "listen 127.0.0.1:2525 plain", "require auth"];

function roundTrip(lines: string[]) {
  const first = compilePolicy("/srv/msa/policy.msa", [...HEAD, ...lines].join("\n") + "\n", host);
  expect(first.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const printed = printPolicy(first.graph!, { hostnameWritten: true });
  const again = compilePolicy("/srv/msa/policy.msa", printed, host);
  expect(again.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const withoutOrigin = <T extends { origin: unknown } | null | undefined>(node: T) => (node ? { ...node, origin: undefined } : node);
  return { printed, first: first.graph!, again: again.graph!, withoutOrigin };
}

describe("msac print of login sources", () => {
  it("writes auth sql back with its queries, password file, pool and timeout", () => {
    const { printed, first, again, withoutOrigin } = roundTrip([
      'auth sql "postgresql://msa@127.0.0.1:5432/mail" password "db.secret" password query "SELECT password FROM users WHERE login = $1" senders query "SELECT address FROM aliases WHERE login = $1" pool 8 timeout 3s',
    ]);
    expect(printed).toContain('senders query "SELECT address FROM aliases WHERE login = $1"');
    expect(withoutOrigin(again.logins)).toEqual(withoutOrigin(first.logins));
  });

  it("writes auth oauth back, both with the issuer's keys and by introspection", () => {
    const jwt = roundTrip(['auth users "users.passwd"', 'auth oauth issuer "https://id.example.com" audience "msa" keys "jwks.json" login claim email']);
    expect(jwt.printed).toContain('auth oauth issuer "https://id.example.com" audience "msa" keys "jwks.json" login claim email');
    expect(jwt.withoutOrigin(jwt.again.oauth)).toEqual(jwt.withoutOrigin(jwt.first.oauth));
    const introspection = roundTrip(['auth users "users.passwd"', 'auth oauth introspect "https://id.example.com/introspect" audience "msa" client "client.secret"']);
    expect(introspection.withoutOrigin(introspection.again.oauth)).toEqual(introspection.withoutOrigin(introspection.first.oauth));
  });
});
