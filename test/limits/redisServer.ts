// Starts Debian's redis-server on a free loopback port for one test file, with persistence off,
// and stops it afterwards; the limits tests run against a real Redis, not a mock.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../support/freePort.js";
import { startProcess, type RunningProcess } from "../support/processes.js";

export const REDIS_SERVER = "/usr/bin/redis-server";

export interface RedisServer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** `port` reuses a port (to restart a stopped server in place); by default a fresh free one. */
export async function startRedis(port?: number): Promise<RedisServer> {
  const chosen = port ?? (await freePort());
  // --dir: Redis writes nothing with these settings, but if it did it would not be into the repo.
  const dir = await mkdtemp(join(tmpdir(), "msa-redis-"));
  const server: RunningProcess = startProcess(REDIS_SERVER, ["--port", String(chosen), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir]);
  try {
    await server.waitForLine((line) => line.text.includes("Ready to accept connections"));
  } catch (error) {
    await server.stop("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    async stop() {
      await server.stop("SIGTERM", 5_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
