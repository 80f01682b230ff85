// `rewrite senders "FILE"` and `deliver from` as msac shows them: `msac check` points into the
// table file and at wrong `deliver from` rules, `msac simulate` traces each rewrite with its table
// line, completion and `msac fmt` know both forms; a table spoilt after compiling stops the server at start.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCheck } from "../../cli/check.js";
import { runFmt } from "../../cli/fmt.js";
import { runSimulate } from "../../cli/simulate.js";
import { compilePolicy } from "../../compiler/compile.js";
import { createEventLog } from "../../runtime/log.js";
import { SubmissionServer } from "../../runtime/submissionServer.js";
import { completionsAt } from "../../tooling/lsp/completion.js";
import { captureIo } from "../tooling/support.js";

const folder = fs.mkdtempSync(path.join(os.tmpdir(), "msa-canonical-"));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

const HEAD = ["hostname msa.example.test", "listen 127.0.0.1:2525 plain", "allow unauthenticated"];

/** Writes the policy `lines` (and the files in `files`) into a folder of its own; its path. */
function policy(name: string, lines: string[], files: Record<string, string> = {}): string {
  const dir = path.join(folder, name);
  fs.mkdirSync(dir);
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  const file = path.join(dir, "policy.msa");
  fs.writeFileSync(file, [...lines, ""].join("\n"));
  return file;
}

function check(file: string, format: "text" | "json" = "text") {
  const io = captureIo();
  const status = runCheck([file], { format }, io);
  return { status, out: io.out() };
}

const TABLE = "# moved domains\n@old.example @new.example\nalice@old.example alice.smith@example.com\n";

describe("msac check", () => {
  it("accepts a good table and reports each bad line at its line and column in the table", () => {
    const good = policy("good", [...HEAD, 'rewrite senders "canonical"', "deliver relay smtp://127.0.0.1:2526"], { canonical: TABLE });
    expect(check(good)).toEqual({ status: 0, out: "" });
    const table = "@old.example @new.example\nbob@old.example\n  carol@old.example not-an-address\n@old.example @other.example\n";
    const bad = policy("bad", [...HEAD, 'rewrite senders "canonical"'], { canonical: table });
    const text = check(bad);
    expect(text.status).toBe(1);
    const shown = path.join(path.dirname(bad), "canonical");
    expect(text.out).toContain(`${shown}:2:1: error MSA5010: \`bob@old.example\` has no new address after it; write \`OLD NEW\``);
    expect(text.out).toContain(`${shown}:3:21: error MSA5010: \`not-an-address\` is not an address; write \`local@domain\``);
    expect(text.out).toContain(`${shown}:4:1: error MSA5010: \`@old.example\` is rewritten twice, first on line 1: keep one line`);
    const json = JSON.parse(check(bad, "json").out) as { line: number; column: number; endColumn: number; code: string }[];
    expect(json.map((d) => [d.code, d.line, d.column, d.endColumn])).toEqual([
      ["MSA5010", 2, 1, 16],
      ["MSA5010", 3, 21, 35],
      ["MSA5010", 4, 1, 13],
    ]);
  });

  it("refuses `rewrite` of anything but senders, and a missing table", () => {
    const other = check(policy("other", [...HEAD, 'rewrite sender "canonical"'], { canonical: TABLE }));
    expect(other.out).toContain("MSA3");
    expect(other.out).toContain("did you mean `senders`?");
    const missing = check(policy("missing", [...HEAD, 'rewrite senders "nowhere"']));
    expect(missing.out).toContain("error MSA5001: sender rewriting file `nowhere` does not exist");
  });

  it("refuses `deliver from` without a relaying deliver, twice for one sender, or with a bad URL", () => {
    const spoolOnly = check(policy("spool-only", [...HEAD, 'deliver spool "spool"', "deliver from @a.example relay smtp://127.0.0.1:2527"]));
    expect(spoolOnly.out).toContain("policy.msa:5:1: error MSA4026: `deliver from` needs a `deliver` rule that relays, but the policy only spools");
    const none = check(policy("no-deliver", [...HEAD, "deliver from @a.example relay smtp://127.0.0.1:2527"]));
    expect(none.out).toContain("error MSA4026: `deliver from` needs a `deliver` rule that relays, but the policy has none (mail is spooled)");
    const twice = check(
      policy("twice", [
        ...HEAD,
        "deliver relay smtp://127.0.0.1:2526",
        "deliver from @a.example relay smtp://127.0.0.1:2527",
        "deliver from @a.example relay smtp://127.0.0.1:2527",
        "deliver from @A.example relay smtp://127.0.0.1:2528",
        "deliver from @bücher.example relay smtp://127.0.0.1:2527",
        "deliver from @xn--bcher-kva.example relay smtp://127.0.0.1:2528",
      ]),
    );
    expect(twice.out).toContain("policy.msa:6:1: error MSA2001: duplicate `deliver from @a.example` rule");
    // The domain in any case is the same sender: two hops for it.
    expect(twice.out).toContain("policy.msa:7:1: error MSA2002: conflicting `deliver from @A.example` rules");
    // So is the domain in Unicode and in A-labels.
    expect(twice.out).toContain("policy.msa:9:1: error MSA2002: conflicting `deliver from @xn--bcher-kva.example` rules");
    const badUrl = check(policy("bad-url", [...HEAD, "deliver relay smtp://127.0.0.1:2526", "deliver from @a.example relay smpt://127.0.0.1:2527"]));
    expect(badUrl.out).toContain("error MSA3008: unsupported relay scheme `smpt`");
  });
});

describe("msac simulate", () => {
  it("traces the rewrite of MAIL FROM and of From: with the table line, domains in any case", async () => {
    const file = policy("simulate", [...HEAD, 'rewrite senders "canonical"', "deliver relay smtp://127.0.0.1:2526"], { canonical: TABLE });
    const script = path.join(path.dirname(file), "session.smtp");
    fs.writeFileSync(
      script,
      [
        "EHLO laptop.example",
        "MAIL FROM:<dave@OLD.Example>",
        "RCPT TO:<bob@example.org>",
        "DATA",
        "From: Alice <alice@old.example>",
        "Subject: hi",
        "",
        "hello",
        ".",
        "QUIT",
        "",
      ].join("\n"),
    );
    const io = captureIo();
    expect(await runSimulate(file, { script, now: "2026-01-01T12:00:00Z", showMessage: true }, io)).toBe(0);
    const table = path.join(path.dirname(file), "canonical");
    expect(io.out()).toContain(`RewriteSenders -> change (dave@OLD.Example -> dave@new.example (${table}:2))`);
    expect(io.out()).toContain(`RewriteSenders -> change (From: Alice <alice@old.example> -> Alice <alice.smith@example.com> (${table}:3))`);
    expect(io.out()).toContain("From: Alice <alice.smith@example.com>");
  });

  it("leaves the null sender and addresses the table does not name alone", async () => {
    const file = policy("untouched", [...HEAD, 'rewrite senders "canonical"', "deliver relay smtp://127.0.0.1:2526"], { canonical: TABLE });
    const run = async (from: string) => {
      const io = captureIo();
      await runSimulate(file, { mailFrom: from, rcpt: ["bob@example.org"], trace: "all" }, io);
      return io.out();
    };
    // `@old.example` is that domain only, not the hosts below it.
    const subdomain = await run("dave@sub.old.example");
    expect(subdomain).toContain("RewriteSenders -> pass");
    expect(subdomain).toContain("Accepted <dave@sub.old.example>");
    const nullSender = await run("");
    expect(nullSender).not.toContain("RewriteSenders -> change");
    expect(nullSender).toContain("MAIL FROM:<>: accepted, 250 2.1.0 Accepted <>");
  });
});

describe("editing", () => {
  it("completes `rewrite senders` and `deliver from`, and formats both", () => {
    expect(completionsAt("rewrite ").map((c) => c.label)).toEqual(["senders"]);
    expect(completionsAt("deliver ").map((c) => c.label)).toContain("from");
    expect(completionsAt("deliver from @a.example ").map((c) => c.label)).toEqual(["relay"]);
    const file = policy(
      "fmt",
      [...HEAD, 'rewrite   senders  "canonical"', "deliver relay smtp://127.0.0.1:2526", "deliver   from  @a.example  relay smtp://127.0.0.1:2527   require tls"],
      {
        canonical: TABLE,
      },
    );
    const io = captureIo();
    expect(runFmt([file], {}, io)).toBe(0);
    expect(io.out()).toContain('rewrite senders "canonical"\ndeliver relay smtp://127.0.0.1:2526\ndeliver from @a.example relay smtp://127.0.0.1:2527 require tls\n');
  });
});

describe("the server", () => {
  it("does not start when the table went bad after compiling, and names the file and line", async () => {
    const file = policy("spoilt", [...HEAD, 'rewrite senders "canonical"', "deliver relay smtp://127.0.0.1:2526"], { canonical: TABLE });
    const graph = compilePolicy(file, fs.readFileSync(file, "utf8")).graph!;
    const table = path.join(path.dirname(file), "canonical");
    fs.appendFileSync(table, "bob@old.example\n");
    const server = new SubmissionServer(graph, { log: createEventLog(graph, { write() {} }), portOverride: [0] });
    await expect(server.start()).rejects.toThrow(`${table}:4:1: \`bob@old.example\` has no new address after it`);
    await server.stop(0);
  });
});
