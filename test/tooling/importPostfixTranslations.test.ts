// docs/translations.md: every `msa` block is a policy that `msac check` accepts without errors,
// checked with the files it names written beside it, as an administrator would have them.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCheck } from "../../cli/check.js";
import { hashPassword } from "../../runtime/auth/passwordHash.js";
import { makeTestPki } from "../support/certificates.js";
import { captureIo } from "./support.js";

const doc = readFileSync(join("docs", "translations.md"), "utf8");
const blocks = [...doc.matchAll(/^## (.+)\n[\s\S]*?^```msa\n([\s\S]*?)^```$/gm)].map((m) => ({ title: m[1]!, policy: m[2]! }));
const scratch = mkdtempSync(join(tmpdir(), "msa-translations-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("docs/translations.md", () => {
  it("holds the six translated setups, five from Postfix and one from Exim", () => {
    expect(blocks.map((b) => b.title.split(":")[0])).toEqual(["1. Postfix", "2. Postfix", "3. Postfix", "4. Postfix", "5. Exim", "6. Postfix"]);
  });

  it.each(blocks)("$title passes msac check without errors", async ({ title, policy }) => {
    const dir = join(scratch, title.replace(/\W+/g, "-"));
    mkdirSync(join(dir, "certs"), { recursive: true });
    const pki = await makeTestPki();
    copyFileSync(pki.certPath, join(dir, "certs", "server.pem"));
    copyFileSync(pki.keyPath, join(dir, "certs", "server.key"));
    writeFileSync(join(dir, "users.passwd"), `alice:${await hashPassword("alice-pw", "argon2id")}\nbob:${await hashPassword("bob-pw", "argon2id")}\n`);
    writeFileSync(join(dir, "senders"), "alice: alice@company.example, sales@company.example\nbob: sales@company.example, @support.company.example\n");
    writeFileSync(join(dir, "sender_canonical"), "sales@company.example sales-team@company.example\n@old-company.example @company.example\n");
    writeFileSync(join(dir, "relay.secret"), "submit-relay:s3cret\n", { mode: 0o600 });
    writeFileSync(join(dir, "brand.secret"), "brand-user:brand-pw\n", { mode: 0o600 });
    writeFileSync(join(dir, "policy.msa"), policy);
    const io = captureIo();
    const status = runCheck([join(dir, "policy.msa")], { format: "text" }, io);
    expect(io.out()).not.toMatch(/error/);
    expect(status).toBe(0);
  });
});
