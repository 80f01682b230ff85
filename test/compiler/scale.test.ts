// A policy with a 10,000-line `senders` table (bench/generatePolicy.ts) compiles
// clean, and every entry reaches the graph's lookup table.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { generatePolicy } from "../../bench/generatePolicy.js";
import type { CompilerHost } from "../../compiler/checkFiles.js";
import { compilePolicy } from "../../compiler/compile.js";
import { repoRoot } from "./golden.js";

const fixtures = path.join(repoRoot, "test/fixtures/diagnostics");
const host: CompilerHost = {
  readFile(file) {
    const name = file.endsWith(".pem") ? "test.pem" : file.endsWith(".key") ? "test.key" : "users.passwd";
    return { ok: true, text: fs.readFileSync(path.join(fixtures, name), "utf8") };
  },
};

describe("a large senders table", () => {
  it("compiles 10,000 entries with no diagnostics", () => {
    const text = generatePolicy(10_000);
    expect(text.split("\n").filter((l) => /^ {2}\S+: /.test(l))).toHaveLength(10_000);
    const result = compilePolicy("generated.msa", text, host);
    expect(result.diagnostics).toEqual([]);
    const rights = result.graph!.stages.mail.find((n) => n.kind === "SubmissionRights");
    expect(rights && rights.kind === "SubmissionRights" && Object.keys(rights.senders)).toHaveLength(10_000);
    expect(rights && rights.kind === "SubmissionRights" && rights.senders.user3).toEqual(["user3@corp.example", "team3@corp.example"]);
    expect(rights && rights.kind === "SubmissionRights" && rights.senders["user4@corp.example"]).toEqual(["user4@corp.example", "team4@corp.example"]);
  });

  it("generates the same text for the same count", () => {
    expect(generatePolicy(3)).toBe(generatePolicy(3));
    expect(generatePolicy(0)).toContain("senders {\n}");
  });
});
