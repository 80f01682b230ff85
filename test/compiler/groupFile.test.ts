// `group NAME from "FILE"` and `groups from "FOLDER"`: the file's logins are the group's in every
// rule that names it, the `for` of any refusing rule and the older `limit recipients to ... for` alike.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import { envelopeNodes } from "../../graph/graph.js";
import { temporaryFolder } from "../support/temporaryFolder.js";

function compileWithGroup(groupText: string) {
  const dir = temporaryFolder("msa-group-");
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

describe("a group file and the users file", () => {
  it("warns about a login the users file does not have, pointing into the group file", () => {
    const dir = temporaryFolder("msa-group-");
    fs.copyFileSync(path.resolve("policies/users.passwd"), path.join(dir, "users.passwd"));
    fs.writeFileSync(path.join(dir, "team.group"), "demo\ndmeo\n");
    const file = path.join(dir, "policy.msa");
    const text = [
      "hostname msa.example.test",
      "listen 127.0.0.1:2525 plain",
      'auth users "users.passwd"',
      "require auth",
      'group team from "team.group"',
      "limit size 1MB for team",
      "",
    ].join("\n");
    const { graph, diagnostics, sources } = compilePolicy(file, text);
    expect(graph).toBeDefined();
    expect(diagnostics.map((d) => [d.code, path.basename(d.file), sources.get(d.file)!.slice(d.span.start, d.span.end), d.message])).toEqual([
      ["MSA4020", "team.group", "dmeo", "login `dmeo` is not in the users file, so group `team` never judges it"],
    ]);
  });
});

describe("a folder of groups", () => {
  function compileWithFolder(files: Record<string, string>, extra: string[] = []) {
    const dir = temporaryFolder("msa-groups-");
    fs.mkdirSync(path.join(dir, "groups.d"));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, "groups.d", name), text);
    const file = path.join(dir, "policy.msa");
    const text = [
      "hostname msa.example.test",
      "listen 127.0.0.1:2525 plain",
      "allow unauthenticated",
      'groups from "groups.d"',
      ...extra,
      "limit size 10MB",
      "limit size 1MB for interns",
      "limit size 50MB for carol",
      "",
    ].join("\n");
    return compilePolicy(file, text);
  }

  it("makes each file a group of its name, whose rules yield to a rule for one of its logins", () => {
    const { graph, diagnostics } = compileWithFolder({ interns: "carol\ndave\n", ".hidden": "erin\n", "interns~": "frank\n" });
    expect(diagnostics).toEqual([]);
    expect(graph!.groups).toEqual({ interns: ["carol", "dave"] });
    const sizes = envelopeNodes(graph!.stages.mail).filter((n) => n.kind === "LimitSize");
    // A group (not a login named `interns`): carol's own rule takes her from it.
    expect(sizes.find((n) => n.for?.names[0] === "interns")).toMatchObject({ for: { logins: ["carol", "dave"] }, notFor: ["carol"] });
  });

  it("keeps a group the policy declares itself, and says so", () => {
    const { graph, diagnostics } = compileWithFolder({ interns: "carol\n" }, ["group interns: dave"]);
    expect(graph!.groups).toEqual({ interns: ["dave"] });
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([["MSA2005", "group `interns` is declared in the policy and has a file in `groups.d`; the policy's is used"]]);
  });

  it("reports a folder that does not exist", () => {
    const dir = temporaryFolder("msa-groups-");
    const text = 'hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\ngroups from "nowhere"\n';
    const { diagnostics } = compilePolicy(path.join(dir, "policy.msa"), text);
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([["MSA5001", "group folder `nowhere` does not exist"]]);
  });
});
