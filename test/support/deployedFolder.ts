// A temporary folder laid out as a deployment, for tests that run `msac` as a process: the test
// PKI's pair under certs/ and a users file with alice (password `alice-pw`).
import { copyFile, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import bcrypt from "bcryptjs";
import { makeTestPki } from "./certificates.js";

/** The built command line (dist/ is built once for the suite by test/globalSetup.ts). */
export const MSAC = join(resolve(import.meta.dirname, "../.."), "dist/cli/msac.js");

export async function makeDeployedFolder(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const pki = await makeTestPki();
  await mkdir(join(dir, "certs"));
  await copyFile(pki.certPath, join(dir, "certs/server.pem"));
  await copyFile(pki.keyPath, join(dir, "certs/server.key"));
  await writeFile(join(dir, "users.passwd"), `alice:${bcrypt.hashSync("alice-pw", 4)}\n`);
  return dir;
}
