// PostgreSQL clusters for tests (bench/servers/postgresCluster.ts) on a free loopback port,
// removed at the end of the test file whatever happens.
import { afterAll } from "vitest";
import { type PostgresCluster, startPostgresCluster } from "../../bench/servers/postgresCluster.js";
import { freePort } from "./freePort.js";

export type { PostgresCluster } from "../../bench/servers/postgresCluster.js";

const running = new Set<PostgresCluster>();
afterAll(async () => {
  await Promise.all([...running].map((cluster) => cluster.remove()));
});

/** A new cluster: superuser `postgres` over the socket (trust), password logins (SCRAM) over TCP on 127.0.0.1. */
export async function startPostgres(): Promise<PostgresCluster> {
  const cluster = await startPostgresCluster(await freePort());
  running.add(cluster);
  return cluster;
}
