// One shared promise per key for work done once (make a folder, write a file), forgotten when it
// fails so that the next call tries again.

export class PromisePerKey<K, V> {
  private readonly promises = new Map<K, Promise<V>>();

  constructor(private readonly make: (key: K) => Promise<V>) {}

  /** The promise of `key`: the one made before, or a new one. */
  get(key: K): Promise<V> {
    let promise = this.promises.get(key);
    if (!promise) {
      const made = this.make(key);
      this.promises.set(key, made);
      made.catch(() => this.forget(key, made));
      promise = made;
    }
    return promise;
  }

  /** Makes the next `get` start afresh; with `promise`, only if that is still the one kept (another call may have replaced it). */
  forget(key: K, promise?: Promise<V>): void {
    if (promise === undefined || this.promises.get(key) === promise) this.promises.delete(key);
  }
}
