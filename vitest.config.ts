import os from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds dist/ once (process tests run `node dist/cli/msac.js`) and writes the development certificate.
    globalSetup: ["test/globalSetup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Most files wait on sockets, child processes and timers rather than compute: vitest's default of
    // one worker per core but one leaves a two-core machine with a single worker and an idle core.
    maxWorkers: Math.max(2, os.availableParallelism()),
  },
});
