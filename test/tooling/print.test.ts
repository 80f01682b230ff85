// Tests for `msac print`: the effective policy of every shipped policy (golden),
// defaults written out for a minimal policy, --changed keeping only what the
// policy wrote, and the printed policy compiling to the same rule graph.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runPrint } from "../../cli/print.js";
import { compilePolicy } from "../../compiler/compile.js";
import { NODE_PRINTERS } from "../../compiler/rules/index.js";
import { formatSize } from "../../compiler/size.js";
import { MailNode, MessageNode, RcptNode } from "../../graph/graph.js";
import { LAID_OUT } from "../../tooling/print/print.js";
import { captureIo, expectGolden, shippedPolicies } from "./support.js";
import { temporaryFolder } from "../support/temporaryFolder.js";

function print(file: string, changed = false) {
  const io = captureIo();
  const status = runPrint(file, { changed }, io);
  return { status, out: io.out(), err: io.err() };
}

function minimalPolicy(): string {
  const dir = temporaryFolder("msa-print-");
  const file = path.join(dir, "min.msa");
  fs.writeFileSync(file, "hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\n");
  return file;
}

describe.each(shippedPolicies())("%s", (policy) => {
  it("prints as its golden file", () => {
    const result = print(policy);
    expect(result.status).toBe(0);
    expectGolden(`print/${path.basename(policy)}.txt`, result.out);
  });

  it("prints a policy that compiles to the same stages and delivery", () => {
    const printed = print(policy).out;
    const strip = (text: string, file: string) => {
      const graph = compilePolicy(file, text).graph!;
      return JSON.parse(
        JSON.stringify({ stages: graph.stages, deliver: graph.deliver.kind, hostname: graph.hostname }, (k, v) => (k === "origin" || k === "span" || k === "line" ? undefined : v)),
      );
    };
    expect(strip(printed, policy)).toEqual(strip(fs.readFileSync(policy, "utf8"), policy));
  });
});

describe("patterns", () => {
  it("prints every rule with a pattern as written, and the printed policy compiles to the same message stage", () => {
    const rules = [
      "refuse header Subject, X-Spam matching /^\\[SPAM\\] #\\/x/i",
      "observe refuse body matching /casino/ms in first 16KB",
      "refuse body matching /x/",
      "remove header X-Tag matching /^internal/",
      'replace header Subject matching /^\\[ext\\] (.*)$/ with "$1 \\"quoted\\""',
    ];
    const dir = temporaryFolder("msa-print-");
    const file = path.join(dir, "patterns.msa");
    const text = `hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\n${rules.join("\n")}\n`;
    fs.writeFileSync(file, text);
    const out = print(file).out;
    for (const rule of rules) expect(out).toContain(`${rule}\n`);
    const messageStage = (source: string) => JSON.parse(JSON.stringify(compilePolicy(file, source).graph!.stages.message, (k, v) => (k === "origin" ? undefined : v)));
    expect(messageStage(out)).toEqual(messageStage(text));
  });
});

describe("rules for some logins, reply texts and copies", () => {
  it("prints `group`, `for`, `with`, `limit hops` and `copy to` as written, and the printed policy compiles to the same graph", () => {
    const rules = [
      "group interns: carol, dave",
      'limit size 2MB for interns with "Interns: 2MB at most"',
      "limit rate 500 messages per 1d per user for interns",
      'observe refuse header X-Internal for bob with "No internal mail"',
      "limit hops 30",
      "copy to archive@example.test",
    ];
    const dir = temporaryFolder("msa-print-");
    const file = path.join(dir, "scoped.msa");
    const text = `hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\nlimit size 10MB\n${rules.join("\n")}\n`;
    fs.writeFileSync(file, text);
    const out = print(file).out;
    for (const rule of rules) expect(out).toContain(`${rule}\n`);
    const graph = (source: string) => {
      const compiled = compilePolicy(file, source).graph!;
      return JSON.parse(
        JSON.stringify({ stages: compiled.stages, rates: compiled.limits.rates, groups: compiled.groups, copyTo: compiled.copyTo }, (k, v) => (k === "origin" ? undefined : v)),
      );
    };
    expect(graph(out)).toEqual(graph(text));
  });
});

describe("on blocks", () => {
  it("prints each block with its rules, `allow unauthenticated` included, and the printed policy compiles to the same graph", () => {
    const dir = temporaryFolder("msa-print-");
    const file = path.join(dir, "listeners.msa");
    const block = ["on 127.0.0.1:2526 {", "  allow unauthenticated", "  limit size 50MB", '  limit recipients 2 with "two at most"', "  limit rate 10 messages per 1h per ip", "}"];
    const text = [
      "hostname msa.example.test",
      "listen 127.0.0.1:2525 plain",
      "listen 127.0.0.1:2526 plain",
      'auth users "users.passwd"',
      "require auth",
      "limit size 10MB",
      "limit rate 100 messages per 1h per ip",
      ...block,
      "",
    ].join("\n");
    fs.writeFileSync(file, text);
    fs.writeFileSync(path.join(dir, "users.passwd"), "");
    const out = print(file).out;
    expect(out).toContain(`${block.join("\n")}\n`);
    expect(out).toContain("\nrequire auth\n");
    const graph = (source: string) => {
      const compiled = compilePolicy(file, source).graph!;
      // Lines differ between the two texts: `notOn` is compared by its listeners.
      return JSON.parse(JSON.stringify({ stages: compiled.stages, rates: compiled.limits.rates }, (k, v) => (k === "origin" ? undefined : k === "notOn" ? Object.keys(v) : v)));
    };
    expect(graph(out)).toEqual(graph(text));
  });
});

describe("defaults", () => {
  it("writes out every default the minimal policy leaves unsaid", () => {
    const out = print(minimalPolicy()).out;
    expect(out).toContain("# require tls: not set (AUTH and MAIL are allowed before TLS)");
    expect(out).toContain("# senders: not set (submission rights are not checked)");
    expect(out).toContain("log info  # default");
    expect(out).toContain('deliver spool "spool"  # default');
    expect(out).toContain("#   unqualified addresses are refused");
  });

  it("--changed keeps only what the policy wrote", () => {
    const out = print(minimalPolicy(), true).out;
    expect(out.split("\n").slice(1).join("\n")).toBe("\nhostname msa.example.test\n\nlisten 127.0.0.1:2525 plain\n\nallow unauthenticated\n");
    expect(out).not.toContain("# default");
  });

  it("keeps the load balancers a listener trusts with the PROXY header", () => {
    const dir = temporaryFolder("msa-print-");
    const file = path.join(dir, "proxy.msa");
    fs.writeFileSync(file, "hostname msa.example.test\nlisten 127.0.0.1:2525 plain proxy from 10.0.0.2, [2001:db8::1]\nallow unauthenticated\n");
    const out = print(file, true).out;
    expect(out).toContain("listen 127.0.0.1:2525 plain proxy from 10.0.0.2, [2001:db8::1]\n");
    // The printed policy trusts the same peers, not every peer.
    const listeners = (text: string) => compilePolicy(file, text).graph!.listeners.map(({ origin: _, ...listener }) => listener);
    expect(listeners(out)).toEqual(listeners(fs.readFileSync(file, "utf8")));
  });

  it("names sizes in the largest unit that divides them", () => {
    expect([formatSize(25_000_000), formatSize(10 * 1024 * 1024), formatSize(1500), formatSize(1001)]).toEqual(["25MB", "10MiB", "1500B", "1001B"]);
  });
});

describe("the printer and the rule modules", () => {
  it("prints every kind of stage node a policy can write: laid out by print.ts or by its rule module", () => {
    // Nodes no policy writes: the server's own checks, always on.
    const builtin = new Set(["RefuseUnqualified", "CheckHeaderSyntax"]);
    const kinds = [...MailNode.options, ...RcptNode.options, ...MessageNode.options].map((node) => node.shape.kind.value);
    for (const kind of new Set(kinds)) {
      if (builtin.has(kind)) continue;
      expect(LAID_OUT.includes(kind) || NODE_PRINTERS.has(kind), kind).toBe(true);
    }
  });
});

describe("rewrite senders and deliver from", () => {
  it("writes the rewrite table and every deliver from back, and that compiles to the same graph", () => {
    const lines = [
      "hostname msa.example.test",
      "listen 127.0.0.1:2525 plain",
      "allow unauthenticated",
      'rewrite senders "canonical"',
      'deliver spool "spool" relay smtp://127.0.0.1:2526',
      "deliver from @a.example relay smtp://127.0.0.1:2527 require tls",
      'deliver from carol@a.example relay smtps://127.0.0.1:2528 auth "hop.secret"',
    ];
    const dir = temporaryFolder("msa-print-");
    fs.writeFileSync(path.join(dir, "canonical"), "@old.example @new.example\n");
    fs.writeFileSync(path.join(dir, "hop.secret"), "user:password\n");
    const file = path.join(dir, "policy.msa");
    fs.writeFileSync(file, [...lines, ""].join("\n"));
    const { status, out: printed } = print(file, true);
    expect(status).toBe(0);
    expect(printed).toContain('rewrite senders "canonical"');
    expect(printed).toContain("deliver from @a.example relay smtp://127.0.0.1:2527 require tls\n");
    expect(printed).toContain('deliver from carol@a.example relay smtps://127.0.0.1:2528 auth "hop.secret"\n');
    const again = path.join(path.dirname(file), "printed.msa");
    fs.writeFileSync(again, printed);
    const first = compilePolicy(file, fs.readFileSync(file, "utf8")).graph!;
    const second = compilePolicy(again, printed).graph!;
    const shape = (g: typeof first) => JSON.stringify({ stages: g.stages, deliver: g.deliver }, (k, v) => (k === "origin" ? undefined : v));
    expect(shape(second)).toBe(shape(first));
  });
});
