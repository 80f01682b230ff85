// In-process hand-off from the spool writer to the queue runner of the same spool folder: "record
// ID was just accepted (durable)", so the runner attempts it at once, without scanning new/; and
// back the other way, in-flow control: a session about to take a new message first waits while
// the runner has more work than it can start (spoolRoomOf). A cluster worker forwards its
// hand-offs to the primary, where the runner lives, and hears from it when the runner's backlog
// is full and when it has room again (runtime/cluster/workers.ts). Only a hint: a hand-off lost
// in a crash is found by the scan at start, and a record spooled by another process by the
// runner's slow safety-net scan.

import { resolve } from "node:path";
import type { StoredRecord } from "../deliver/spoolWriter.js";
import { systemClock } from "./clock.js";
import { RemoteRoom } from "./roomWaiters.js";

/** `stored` is the record itself when it was written in this process (not read back from disk). */
type SpooledListener = (id: string, stored?: StoredRecord) => void;

const listeners = new Map<string, Set<SpooledListener>>();
const forwarders = new Set<(dir: string, id: string) => void>();

export function onSpooled(dir: string, listener: SpooledListener): () => void {
  const key = resolve(dir);
  let set = listeners.get(key);
  if (!set) listeners.set(key, (set = new Set()));
  set.add(listener);
  return () => set!.delete(listener);
}

/** Every hand-off of this process, whatever its folder (a cluster worker sends them on to the primary). */
export function onAnySpooled(forwarder: (dir: string, id: string) => void): () => void {
  forwarders.add(forwarder);
  return () => forwarders.delete(forwarder);
}

/** A record is durable in DIR/new: written here (`stored`) or by a cluster worker (its id). */
export function notifySpooled(dir: string, written: StoredRecord | string): void {
  const key = resolve(dir);
  const id = typeof written === "string" ? written : written.record.id;
  const stored = typeof written === "string" ? undefined : written;
  for (const listener of listeners.get(key) ?? []) listener(id, stored);
  for (const forwarder of forwarders) forwarder(key, id);
}

/** The longest a new message waits for room: Postfix's in_flow_delay default, a pause and never a refusal. */
export const IN_FLOW_DELAY_MS = 1_000;

/** How the runner of a folder lets a new message wait for room (at most `maxWaitMs`); undefined: room now. */
type RoomWaiter = (maxWaitMs: number) => Promise<void> | undefined;
const roomWaiters = new Map<string, RoomWaiter>();

/** The runner of DIR says how to wait for room in its backlog; the returned function withdraws it. */
export function onSpoolRoom(dir: string, waiter: RoomWaiter): () => void {
  const key = resolve(dir);
  roomWaiters.set(key, waiter);
  return () => {
    if (roomWaiters.get(key) === waiter) roomWaiters.delete(key);
  };
}

/**
 * How a session asks for room in the backlog of the runner of DIR (DIR resolved once, here: the
 * asking runs at every MAIL FROM). The answer is undefined when a new message may go on at once;
 * otherwise a promise that resolves when the runner has room for it, or after IN_FLOW_DELAY_MS
 * whatever the backlog. No wait when no runner of DIR lives in this process and none announced
 * a full backlog (remoteSpoolRoom).
 */
export function spoolRoomOf(dir: string): () => Promise<void> | undefined {
  const key = resolve(dir);
  return () => roomWaiters.get(key)?.(IN_FLOW_DELAY_MS);
}

type RoomAnnouncement = (dir: string, hasRoom: boolean) => void;
const announcements = new Set<RoomAnnouncement>();

/** The primary of a cluster listens here, to tell its workers when a runner's backlog fills or has room again. */
export function onSpoolRoomAnnounced(listener: RoomAnnouncement): () => void {
  announcements.add(listener);
  return () => announcements.delete(listener);
}

/** The runner of DIR: its backlog is full (false) or has room again (true). */
export function announceSpoolRoom(dir: string, hasRoom: boolean): void {
  for (const listener of announcements) listener(resolve(dir), hasRoom);
}

const remoteRooms = new Map<string, RemoteRoom>();

/** In a cluster worker: the primary's runner of DIR announced a full backlog, or room again. */
export function remoteSpoolRoom(dir: string, hasRoom: boolean): void {
  const key = resolve(dir);
  let room = remoteRooms.get(key);
  if (!room) {
    const created = new RemoteRoom(systemClock);
    remoteRooms.set(key, (room = created));
    onSpoolRoom(key, (maxWaitMs) => created.wait(maxWaitMs));
  }
  room.set(hasRoom);
}
