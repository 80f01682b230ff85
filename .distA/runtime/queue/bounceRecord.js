// `msac queue bounce ID`: the administrator returns a queued message to its sender.
import { removeSpoolRecord } from "../deliver/spoolWriter.js";
import { QueueStatus } from "../../graph/replies.js";
import { queueDueDsns } from "./queueDsns.js";
import { initialQueueState, pendingIndexes } from "./queueState.js";
import { withLockedRecord } from "./recordLock.js";
/**
 * `msac queue bounce ID`: every pending recipient fails now (5.0.0), the DSNs go into the queue
 * and the record is removed. Takes the record's lock; false when it is busy or gone.
 */
export async function bounceQueuedRecord(dir, id, hostname, now = Date.now()) {
    return withLockedRecord(dir, id, async (record) => {
        const state = record.queue ?? initialQueueState(record);
        const at = new Date(now).toISOString();
        const entry = { at, result: "bounced by the administrator", delivered: [], failed: [], deferred: [] };
        for (const i of pendingIndexes(state)) {
            const r = state.recipients[i];
            Object.assign(r, { state: "failed", code: undefined, ...QueueStatus.bouncedByAdministrator, at });
            entry.failed.push(r.address);
        }
        state.attempts.push(entry);
        const done = await queueDueDsns(dir, record, state, { now, hostname, nextHopOffersDsn: true, delayNoticeMs: Infinity });
        if (!done)
            throw new Error("cannot queue the DSN");
        await removeSpoolRecord(dir, id);
        return "bounced";
    });
}
//# sourceMappingURL=bounceRecord.js.map