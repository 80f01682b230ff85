// The queue gauges' probe for `deliver spool "DIR" ...`: counts the records waiting in DIR/new/
// and the age of the oldest (by modification time), read at each scrape. runtime/queue exports
// no snapshot of its own; this reads the same folder the runner reads and never writes.
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { SPOOL_NEW_FOLDER, SPOOL_RECORD_SUFFIX } from "../deliver/spoolRecord.js";
export function spoolQueueProbe(dir, now = Date.now) {
    const folder = join(dir, SPOOL_NEW_FOLDER);
    return async () => {
        let names;
        try {
            names = (await readdir(folder)).filter((name) => name.endsWith(SPOOL_RECORD_SUFFIX));
        }
        catch {
            return { messages: 0, oldestAgeSeconds: 0 };
        }
        let oldest = Infinity;
        let messages = 0;
        for (const name of names) {
            try {
                oldest = Math.min(oldest, (await stat(join(folder, name))).mtimeMs);
                messages++;
            }
            catch {
                // delivered and removed while we looked
            }
        }
        return { messages, oldestAgeSeconds: messages === 0 ? 0 : Math.max(0, (now() - oldest) / 1000) };
    };
}
//# sourceMappingURL=queueProbe.js.map