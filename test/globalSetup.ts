// Runs once before the suite: builds dist/ (tests spawn `node dist/cli/msac.js`
// as a process, so it must match the sources) and writes the development
// certificate that the policies in policies/ name, so they check clean.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ensureDevCertificate } from "../cli/devCertificate.js";

const root = path.resolve(import.meta.dirname, "..");

export default async function setup(): Promise<void> {
  // `npx tsc -p .`, without npx's own start-up: the compiler of node_modules, run by this node.
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  const build = spawnSync(process.execPath, [tsc, "-p", "."], { cwd: root, encoding: "utf8" });
  if (build.status !== 0) {
    // tsc still writes the JavaScript after type errors; `npm run build` (and so `npm ci`) is where
    // type errors fail. Here they are shown, and the suite tests what was emitted.
    process.stderr.write(`globalSetup: \`tsc -p .\` reported errors:\n${build.stdout}${build.stderr}`);
  }
  if (!fs.existsSync(path.join(root, "dist", "cli", "msac.js"))) {
    throw new Error("globalSetup: the build did not produce dist/cli/msac.js");
  }
  await ensureDevCertificate(path.join(root, "policies", "certs"), "msa.localhost");
}
