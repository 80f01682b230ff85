// Waits for an observable condition that no event announces (a log line written after the reply,
// a counter inside the server, a state another process reports): polls it until a deadline, then fails instead of hanging.

/** Resolves as soon as `condition()` holds, checked every `pollMs`; rejects once `timeoutMs` has passed without it. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 3000, pollMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
