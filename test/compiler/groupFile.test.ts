// `group NAME from "FILE"`: the file's logins are the group's in every rule that names it, the
// `for` of any refusing rule and the older `limit recipients to ... for` alike.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import { envelopeNodes } from "../../graph/graph.js";

function compileWithGroup(groupText: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-group-"));
  fs.writeFileSync(path.join(dir, "team.group"), groupText);
  const file = path.join(dir, "policy.msa");
  const text = [
    "hostname msa.example.test",
    "listen 127.0.0.1:2525 plain",
    "allow unauthenticated",
    'group team from "team.group"',
    "limit size 1MB for team",
    "limit recipients to @example.test for team, zoe",
    "",
  ].join("\n");
  return compilePolicy(file, text);
}

describe("a group read from a file", () => {
  it("gives its logins to every rule that names it", () => {
    const { graph, diagnostics } = compileWithGroup("# the team\ncarol\n\ndave   # since May\ncarol\n");
    expect(diagnostics).toEqual([]);
    expect(graph!.groups).toEqual({ team: ["carol", "dave"] });
    const size = envelopeNodes(graph!.stages.mail).find((n) => n.kind === "LimitSize");
    expect(size).toMatchObject({ for: { names: ["team"], logins: ["carol", "dave"] } });
    const to = envelopeNodes(graph!.stages.rcpt).find((n) => n.kind === "RecipientsTo");
    expect(to).toMatchObject({ logins: ["carol", "dave", "zoe"] });
  });

  it("reports a line that is not one login in the file, and compiles nothing", () => {
    const { graph, diagnostics } = compileWithGroup("carol\n@example.test\n");
    expect(graph).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, path.basename(d.file), d.message])).toEqual([["MSA5011", "team.group", "a group lists logins, not `@example.test`"]]);
  });
});
