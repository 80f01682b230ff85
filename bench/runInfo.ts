// Which tree a bench run measured: the commit and whether it had uncommitted changes, written
// into the report so that a results file (and docs/benchmarks.md) says what code it describes.
import { execFileSync } from "node:child_process";
import { projectRoot } from "./processes.js";

function git(args: string[]): string {
  return execFileSync("git", args, { cwd: projectRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
}

export function treeState(): { commit: string | null; dirty: boolean | null } {
  try {
    const commit = git(["rev-parse", "HEAD"]).trim();
    // bench/results/ is where the run writes; its files do not make the measured code dirty.
    const changes = git(["status", "--porcelain", "--", ".", ":!bench/results"]).trim();
    return { commit, dirty: changes.length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}
