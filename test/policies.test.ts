// Every policy shipped in policies/ must check clean: `msac check` as a process
// prints no diagnostic at all (warnings included) and exits 0.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const policies = fs
  .readdirSync(path.join(root, "policies"))
  .filter((f) => f.endsWith(".msa"))
  .sort();

describe("policies/", () => {
  it("holds the reference policy and the examples", () => {
    expect(policies).toEqual(expect.arrayContaining(["submission.msa", "dev.msa", "office.msa", "corporate.msa"]));
  });

  it.each(policies)("%s checks clean", (name) => {
    const result = spawnSync(process.execPath, [path.join(root, "dist/cli/msac.js"), "check", "--format", "json", `policies/${name}`], {
      cwd: root,
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(JSON.parse(result.stdout || "null"), result.stderr).toEqual([]);
    expect(result.status).toBe(0);
  });

  it.each(policies)("%s is in the canonical layout (`msac fmt --check`)", (name) => {
    const result = spawnSync(process.execPath, [path.join(root, "dist/cli/msac.js"), "fmt", "--check", `policies/${name}`], { cwd: root, encoding: "utf8", timeout: 20_000 });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("comments every rule of the reference policy with the RFC it implements", () => {
    const text = fs.readFileSync(path.join(root, "policies/submission.msa"), "utf8");
    const lines = text.split("\n");
    for (const [index, line] of lines.entries()) {
      if (!/^[a-z]/.test(line) || line.startsWith("senders")) continue;
      // The RFC is named on the rule's line or in the comment just above it.
      const context = (lines[index - 1] ?? "") + line + (lines[index - 2] ?? "");
      expect(context, `line ${index + 1}: ${line}`).toMatch(/RFC \d+/);
    }
  });
});
