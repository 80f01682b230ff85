// Waits for an observable condition that no event announces (a log line written after the reply,
// a counter inside the server): polls it until a deadline, then fails instead of hanging.

const POLL_MS = 10;

/** Resolves as soon as `condition()` holds; rejects once `timeoutMs` has passed without it. */
export async function eventually(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
