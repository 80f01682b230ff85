// Files a process removes as it exits: its lock holder files and its spare record files. One
// 'exit' handler for all, which never throws: a throw there would skip the other exit handlers,
// the log's last lines among them. A crash leaves the files to the next start's sweep.

import { rmSync } from "node:fs";

const paths = new Set<string>();

/** `path` is removed when the process exits, unless `keepAtExit` takes it back first. */
export function removeAtExit(path: string): void {
  paths.add(path);
}

/** `path` is no longer this process's to remove (a spare written over into a record). */
export function keepAtExit(path: string): void {
  paths.delete(path);
}

process.on("exit", () => {
  for (const path of paths) {
    try {
      rmSync(path, { force: true });
    } catch {
      // a read-only or failing spool: the file stays, and the next start's sweep removes it
    }
  }
});
