// In-process hand-off from the spool writer to the queue runner of the same spool folder: "record
// ID was just accepted (durable)", so the runner attempts it at once, without scanning new/. A
// cluster worker forwards its hand-offs to the primary, where the runner lives
// (runtime/cluster/workers.ts). Only a hint: a hand-off lost in a crash is found by the scan at
// start, and a record spooled by another process by the runner's slow safety-net scan.
import { resolve } from "node:path";
const listeners = new Map();
const forwarders = new Set();
export function onSpooled(dir, listener) {
    const key = resolve(dir);
    let set = listeners.get(key);
    if (!set)
        listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
}
/** Every hand-off of this process, whatever its folder (a cluster worker sends them on to the primary). */
export function onAnySpooled(forwarder) {
    forwarders.add(forwarder);
    return () => forwarders.delete(forwarder);
}
/** A record is durable in DIR/new: written here (`stored`) or by a cluster worker (its id). */
export function notifySpooled(dir, written) {
    const key = resolve(dir);
    const id = typeof written === "string" ? written : written.record.id;
    const stored = typeof written === "string" ? undefined : written;
    for (const listener of listeners.get(key) ?? [])
        listener(id, stored);
    for (const forwarder of forwarders)
        forwarder(key, id);
}
//# sourceMappingURL=spoolEvents.js.map