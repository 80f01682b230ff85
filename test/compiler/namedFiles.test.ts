// Files a policy names must be regular files of at most 64 MiB, both when `msac check` reads
// them and when the server loads them: a device such as /dev/zero would be read forever and a
// FIFO would block until a writer came. Each is refused with a clear reason instead.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_NAMED_FILE_BYTES, readNamedFile } from "../../formats/namedFile.js";
import { loadUserTable } from "../../runtime/auth/userTable.js";
import { repoRoot } from "./golden.js";

let folder: string;
let fifo: string;
beforeAll(() => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), "msac-named-"));
  fifo = path.join(folder, "users.fifo");
  expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
});
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

function checkWithUsers(users: string) {
  const policy = path.join(folder, "policy.msa");
  fs.writeFileSync(policy, `hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nauth users "${users}"\nrequire auth\n`);
  // A hang would be killed by the timeout and fail the status assertion.
  const result = spawnSync(process.execPath, [path.join(repoRoot, "dist/cli/msac.js"), "check", "--format", "json", policy], { encoding: "utf8", timeout: 20_000 });
  return { status: result.status, diagnostics: result.stdout ? (JSON.parse(result.stdout) as { code: string; message: string }[]) : [] };
}

describe("msac check", () => {
  it("refuses a device as the users file instead of reading it forever", () => {
    const result = checkWithUsers("/dev/zero");
    expect(result.status).toBe(1);
    expect(result.diagnostics).toMatchObject([{ code: "MSA5003", message: "users file `/dev/zero` cannot be read: it is a device, not a regular file" }]);
  });

  it("refuses a FIFO as the users file instead of waiting for a writer", () => {
    const result = checkWithUsers("users.fifo");
    expect(result.status).toBe(1);
    expect(result.diagnostics).toMatchObject([{ code: "MSA5003", message: "users file `users.fifo` cannot be read: it is a FIFO, not a regular file" }]);
  });

  it("refuses a file over 64 MiB", () => {
    const large = path.join(folder, "large.passwd");
    // Sparse: no disk space is used for the zeros.
    fs.writeFileSync(large, "");
    fs.truncateSync(large, MAX_NAMED_FILE_BYTES + 1);
    expect(readNamedFile(large)).toEqual({ ok: false, missing: false, reason: "it is larger than 64MiB, the most msa reads from a file a policy names" });
    fs.truncateSync(large, 3);
    expect(readNamedFile(large, 2)).toMatchObject({ ok: false });
    expect(readNamedFile(large, 3)).toEqual({ ok: true, text: "\0\0\0" });
  });
});

describe("the server", () => {
  it("refuses to load a FIFO or a device as the users file, with the reason", async () => {
    await expect(loadUserTable(fifo)).rejects.toThrow(`cannot read \`${fifo}\`: it is a FIFO, not a regular file`);
    await expect(loadUserTable("/dev/zero")).rejects.toThrow("cannot read `/dev/zero`: it is a device, not a regular file");
  });
});
