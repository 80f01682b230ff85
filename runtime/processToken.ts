// Who this process is to the other processes sharing a spool, and whether the process another
// one names is gone: a pid alone is reused (pid 1 in every container), so a random token goes with it.

import { randomHex } from "./randomHex.js";

/** Tells this process's files from an earlier process's with the same pid. */
export const PROCESS_TOKEN = randomHex(8);
/** This process as its lock files name it: `pid token`. */
export const PROCESS_OWNER = `${process.pid} ${PROCESS_TOKEN}`;

/** True when the process `pid` (with `token`, for our own pid) no longer runs. */
export function isProcessGone(pid: number, token: string | undefined): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return token !== PROCESS_TOKEN;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as { code?: string }).code === "ESRCH";
  }
}
