// Tests for `msac simulate`: golden transcripts of scripted sessions, the trace
// levels, the one-line form, pseudo-commands, and that every refusal in a
// transcript names the policy line the decision core reports.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runSimulate } from "../../cli/simulate.js";
import { compilePolicy } from "../../compiler/compile.js";
import { decide } from "../../runtime/decision/decide.js";
import { newSession } from "../../runtime/decision/session.js";
import { parseScript } from "../../tooling/simulate/script.js";
import { simulate } from "../../tooling/simulate/session.js";
import { captureIo, expectGolden } from "./support.js";
import { makeTestPki } from "../support/certificates.js";
import { temporaryFolder } from "../support/temporaryFolder.js";

const NOW = "2026-01-01T12:00:00Z";
const OFFICE = "test/tooling/fixtures/office.msa";

async function run(file: string, options: Parameters<typeof runSimulate>[1], stdin = "") {
  const io = captureIo(stdin);
  const status = await runSimulate(file, { now: NOW, ...options }, io);
  return { status, out: io.out(), err: io.err() };
}

function graphOf(file: string) {
  const result = compilePolicy(file, fs.readFileSync(file, "utf8"));
  if (!result.graph) throw new Error(`${file} does not compile`);
  return result.graph;
}

describe("scripted sessions", () => {
  it.each([
    ["policies/dev.msa", "dev-refused"],
    [OFFICE, "office-rights"],
  ])("%s with %s.smtp matches its golden transcript", async (policy, name) => {
    const result = await run(policy, { script: `test/tooling/fixtures/sessions/${name}.smtp` });
    expect(result.err).toBe("");
    expect(result.status).toBe(0);
    expectGolden(`simulate/${name}.txt`, result.out);
  });

  it("reads the session from standard input", async () => {
    const result = await run(OFFICE, {}, "EHLO x.test\nMAIL FROM:<demo@office.test>\nQUIT\n");
    expect(result.out).toContain(">>> rule test/tooling/fixtures/office.msa:6 RequireAuth -> refuse");
    expect(result.out).toContain("S: 530 5.7.0 Authentication required");
    expect(result.status).toBe(0);
  });

  it("names the same rule the decision core names for a refusal", async () => {
    const graph = graphOf(OFFICE);
    const direct = decide(graph, { ...newSession("plain", "192.0.2.1"), heloName: "x", login: "demo" }, { type: "mail", address: "boss@office.test", params: {} });
    expect(direct.verdict.kind).toBe("refuse");
    const line = direct.verdict.kind === "refuse" ? direct.verdict.origin.line : -1;
    const result = await run(OFFICE, {}, "EHLO x\n#auth demo\nMAIL FROM:<boss@office.test>\n");
    expect(result.out).toContain(`>>> rule test/tooling/fixtures/office.msa:${line} SubmissionRights -> refuse (demo may not use boss@office.test)`);
  });

  it("shows only refusals and changes with --trace decisions, and no rules with --trace none", async () => {
    const script = "test/tooling/fixtures/sessions/dev-refused.smtp";
    const decisions = (await run("policies/dev.msa", { script, trace: "decisions" })).out;
    const rules = decisions.split("\n").filter((l) => l.startsWith(">>>"));
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.every((l) => / -> (refuse|change)/.test(l))).toBe(true);
    const none = (await run("policies/dev.msa", { script, trace: "none" })).out;
    expect(none).not.toContain(">>>");
    expect(none).toContain("S: 530 5.7.0");
  });

  it("#from sets the client address that Received names", async () => {
    const graph = graphOf(OFFICE);
    const { steps } = parseScript("#from 198.51.100.9\nEHLO a.test\n#auth demo\nMAIL FROM:<demo>\nRCPT TO:<x@example.org>\nDATA\nFrom: demo@office.test\n\nhi\n.\n");
    const simulation = await simulate(graph, steps, { now: () => new Date(NOW) });
    const delivered = simulation.exchanges.find((e) => e.delivered)?.delivered;
    expect(delivered?.fields.find((f) => f.name === "Received")?.value).toMatch(/^from a\.test \(\[198\.51\.100\.9\]\)/);
  });

  it("names the TLS a handshake would settle and the login in Received under `add Received with tls, login`, in the field and the trace", async () => {
    const pki = await makeTestPki();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-simulate-received-"));
    try {
      const file = path.join(dir, "policy.msa");
      const lines = ["hostname msa.example.test", `tls certificate "${pki.certPath}" key "${pki.keyPath}"`, "listen 587 starttls", 'auth users "users"', "require auth"];
      fs.writeFileSync(path.join(dir, "users"), "demo:$2y$04$abcdefghijklmnopqrstuu5yJ9i5Xg3wOqH0GfY7lS4L5v5kTq1Hy\n");
      fs.writeFileSync(file, [...lines, "add Received with tls, login", 'deliver spool "spool"', ""].join("\n"));
      const script = "EHLO a.test\nSTARTTLS\nEHLO a.test\n#auth demo\nMAIL FROM:<demo@example.test>\nRCPT TO:<x@example.org>\nDATA\nSubject: hi\n\nhi\n.\n";
      const simulation = await simulate(graphOf(file), parseScript(script).steps, { now: () => new Date(NOW) });
      const delivered = simulation.exchanges.find((e) => e.delivered)?.delivered;
      const comments = "(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)) (Authenticated sender: demo)";
      expect(delivered?.fields.find((f) => f.name === "Received")?.value).toMatch(
        new RegExp(`^from a\\.test \\(\\[192\\.0\\.2\\.1\\]\\) ${comments.replace(/[()]/g, "\\$&")} by msa\\.example\\.test`),
      );
      expect((await run(file, {}, script)).out).toContain(`AddReceived -> change (Received ${comments})`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a header section over 1 MiB with 552 5.3.4 as the server does, under a larger size limit", async () => {
    const graph = graphOf(OFFICE);
    const fields = Array.from({ length: 1200 }, (_, i) => `X-Pad-${i}: ${"p".repeat(900)}`).join("\n");
    const { steps } = parseScript(`EHLO a.test\n#auth demo\nMAIL FROM:<demo>\nRCPT TO:<x@example.org>\nDATA\n${fields}\n\nhi\n.\n`);
    const simulation = await simulate(graph, steps, { now: () => new Date(NOW) });
    const data = simulation.exchanges.at(-1)!;
    expect(data.replies.map((r) => `${r.code} ${r.enhanced}`)).toEqual(["354 ", "552 5.3.4"]);
    expect(data.refusedBy?.builtin).toBe("header section at most 1 MiB");
  });

  it("exits 1 when the script goes on after QUIT, and 2 for a script it cannot read", async () => {
    const after = await run(OFFICE, {}, "EHLO x\nQUIT\nNOOP\n");
    expect(after.status).toBe(1);
    expect(after.out).toContain("the script goes on after QUIT");
    const badAuth = await run(OFFICE, {}, "AUTH PLAIN AGFsaWNlAHNlY3JldA==\n");
    expect(badAuth.status).toBe(2);
    expect(badAuth.err).toContain("<stdin>:1: write `#auth LOGIN`");
    const unterminated = await run(OFFICE, {}, "EHLO x\nDATA\nSubject: x\n");
    expect(unterminated.status).toBe(2);
    expect(unterminated.err).toContain("DATA without a line holding only `.`");
  });
});

describe("the finish stage in a simulation", () => {
  /** The office policy with `sign dkim` for office.test and its key (none: a missing file), in a folder of its own. */
  function signingPolicy(key: string | null): string {
    const dir = temporaryFolder("msa-simulate-dkim-");
    if (key !== null) fs.writeFileSync(path.join(dir, "office.key"), key);
    const policy = path.join(dir, "office.msa");
    const users = path.resolve("policies/users.passwd");
    const text = fs.readFileSync(OFFICE, "utf8").replace(/auth users "[^"]*"/, `auth users "${users}"`);
    fs.writeFileSync(policy, `${text}sign dkim domain office.test selector s1 key "office.key"\n`);
    return policy;
  }
  const SESSION = "EHLO a.test\n#auth demo\nMAIL FROM:<demo>\nRCPT TO:<x@example.org>\nDATA\nFrom: demo@office.test\nSubject: hi\n\nhello\n.\n";

  it("signs with the policy's real key, and --show-message prints the signed message", async () => {
    const key = crypto.generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const result = await run(signingPolicy(key), { showMessage: true }, SESSION);
    expect(result.err).toBe("");
    expect(result.out).toMatch(/>>> rule \S+:\d+ SignDkim -> change \(signed by s1\._domainkey\.office\.test\)/);
    expect(result.out).toContain(">>> handed on: MAIL FROM:<demo@office.test> RCPT TO:<x@example.org>");
    expect(result.out).toMatch(/^M: DKIM-Signature: .*a=ed25519-sha256/m);
    expect(result.out).toMatch(/^M: hello$/m);
  });

  it("says so in the trace when the key cannot be read (gone since the check), and hands the message on unsigned", async () => {
    const key = crypto.generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const policy = signingPolicy(key);
    const graph = graphOf(policy);
    fs.rmSync(path.join(path.dirname(policy), "office.key"));
    const simulation = await simulate(graph, parseScript(SESSION).steps, { now: () => new Date(NOW) });
    const data = simulation.exchanges.at(-1)!;
    expect(data.trace).toContainEqual(
      expect.objectContaining({ node: "SignDkim", outcome: "skip", detail: expect.stringMatching(/^not signed in this simulation: .*office\.key/) }),
    );
    expect(data.replies.map((r) => `${r.code} ${r.enhanced}`)).toEqual(["354 ", "250 2.0.0"]);
    expect(data.delivered?.fields.map((f) => f.name)).not.toContain("DKIM-Signature");
  });
});

describe("the one-line form", () => {
  it("prints each step's verdict and the rule behind a refusal", async () => {
    const result = await run(OFFICE, { auth: "demo", mailFrom: "boss@office.test", rcpt: ["bob@example.org"] });
    expect(result.status).toBe(0);
    expectGolden("simulate/office-one-line.txt", result.out);
    expect(result.out).toContain("MAIL FROM:<boss@office.test>: refused, 550 5.7.1");
    expect(result.out).toContain("  >>> rule test/tooling/fixtures/office.msa:11 SubmissionRights -> refuse");
  });

  it("with --tls gets past require tls in policies/dev.msa, and without it does not", async () => {
    const withTls = await run("policies/dev.msa", { auth: "demo", mailFrom: "demo", rcpt: ["bob@example.org"], tls: true });
    expect(withTls.out).toContain("MAIL FROM:<demo>: accepted, 250 2.1.0 Accepted <demo@localhost.test>");
    expect(withTls.out).toContain(">>> rule policies/dev.msa:14 QualifyEnvelope -> change (demo -> demo@localhost.test)");
    const without = await run("policies/dev.msa", { auth: "demo", mailFrom: "demo", rcpt: ["bob@example.org"] });
    expect(without.out).toContain("#auth demo: refused, 538 5.7.11");
    expect(without.out).toContain(">>> rule policies/dev.msa:11 RequireTls -> refuse");
  });

  it("refuses to mix --script with the one-line options", async () => {
    const result = await run(OFFICE, { script: "x.smtp", mailFrom: "a@b.test" });
    expect(result.status).toBe(2);
  });
});
