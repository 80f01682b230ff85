// In-process signal from the spool writer to the queue runner of the same spool folder: "a record
// was just accepted", so a runner in the same process forwards it at once instead of at its
// next poll. Only a hint: the runner polls new/ anyway (a runner in another process relies on it).

import { resolve } from "node:path";

const listeners = new Map<string, Set<() => void>>();

export function onSpooled(dir: string, listener: () => void): () => void {
  const key = resolve(dir);
  let set = listeners.get(key);
  if (!set) listeners.set(key, (set = new Set()));
  set.add(listener);
  return () => set!.delete(listener);
}

export function notifySpooled(dir: string): void {
  for (const listener of listeners.get(resolve(dir)) ?? []) listener();
}
