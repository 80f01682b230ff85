// One cell of the full-path section on its own, for an A/B or a longer look at the queue:
// `node dist/bench/spoolRelay.js [--kind full|store] [--mode reused|new|tls-auth] [--sessions C]
// [--seconds S] [--rounds R] [--generator node|smtp-source] [--sink bench|smtp-sink] [--inline]
// [--no-postfix] [--msac OTHER/dist/cli/msac.js]`; prints the full-path tables.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { hashPassword } from "../runtime/auth/passwordHash.js";
import { BENCH_LOGIN, BENCH_PASSWORD } from "./benchPolicy.js";
import type { ClientMode } from "./fullPathClient.js";
import { runFullPath, type FullPathCellConfig } from "./fullPath.js";
import { fullPathTables } from "./reportTables.js";
import type { SinkKind } from "./fullPathSinks.js";
import { renderText } from "./table.js";

function option(argv: string[], name: string, fallback: string): string {
  const index = argv.indexOf(name);
  return index >= 0 && argv[index + 1] !== undefined ? argv[index + 1]! : fallback;
}

const argv = process.argv.slice(2);
const cell: FullPathCellConfig = {
  kind: option(argv, "--kind", "full") as FullPathCellConfig["kind"],
  mode: option(argv, "--mode", "reused") as ClientMode,
  sessions: Number(option(argv, "--sessions", "20")),
  generator: option(argv, "--generator", "node") as FullPathCellConfig["generator"],
  sink: option(argv, "--sink", "bench") as SinkKind,
  inline: argv.includes("--inline"),
};
const msac = argv.includes("--msac") ? path.resolve(option(argv, "--msac", "")) : undefined;
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-bench-spool-relay-"));
try {
  const hash = await hashPassword(BENCH_PASSWORD, "argon2id");
  const fullpath = await runFullPath(
    {
      roundSeconds: Number(option(argv, "--seconds", "10")),
      rounds: Number(option(argv, "--rounds", "3")),
      warmupSeconds: 2,
      smtpSourceBytes: 25_000,
      cells: [cell],
      workDir,
      usersLine: `${BENCH_LOGIN}:${hash}`,
      withoutPostfix: argv.includes("--no-postfix"),
      ...(msac ? { msac } : {}),
    },
    (message) => process.stderr.write(`bench: ${message}\n`),
  );
  process.stdout.write(`load average ${os.loadavg()[0]!.toFixed(2)}\n\n`);
  for (const table of fullPathTables(fullpath)) process.stdout.write(renderText(table) + "\n");
} finally {
  fs.rmSync(workDir, { recursive: true, force: true });
}
process.exit(0);
