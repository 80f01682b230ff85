// Sessions waiting for room in a queue runner's backlog (in-flow control), first come first
// served, each for at most its own longest pause. The runner lets them go one per finished
// record; a cluster worker's gate (the primary's runner says "room" or "full") lets all go.

import type { Clock } from "./clock.js";

export class RoomWaiters {
  private readonly line = new Set<() => void>();

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.line.size;
  }

  /** Resolves when let go (`admitFirst`, `admitAll`) or after `maxWaitMs`, whichever comes first. */
  wait(maxWaitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const admit = () => {
        this.clock.clearTimer(timer);
        this.line.delete(admit);
        resolve();
      };
      const timer = this.clock.setTimer(admit, maxWaitMs);
      this.line.add(admit);
    });
  }

  admitFirst(): void {
    this.line.values().next().value?.();
  }

  admitAll(): void {
    for (const admit of [...this.line]) admit();
  }
}

/**
 * In a cluster worker: the room of the primary's runner of one spool folder, as the primary
 * last announced it. While it is full a new message waits, until the primary says there is
 * room again or the pause runs out.
 */
export class RemoteRoom {
  private full = false;
  private readonly waiters: RoomWaiters;

  constructor(clock: Clock) {
    this.waiters = new RoomWaiters(clock);
  }

  /** undefined: room now, no wait. */
  wait(maxWaitMs: number): Promise<void> | undefined {
    return this.full ? this.waiters.wait(maxWaitMs) : undefined;
  }

  set(hasRoom: boolean): void {
    this.full = !hasRoom;
    if (hasRoom) this.waiters.admitAll();
  }
}
