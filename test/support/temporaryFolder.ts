// Temporary folders for tests that remove themselves: after the test that made one, passed or
// failed, or after the test file when made outside a test (at module scope, in beforeAll).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, onTestFinished } from "vitest";

const afterFile: string[] = [];
afterAll(() => {
  for (const dir of afterFile.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A new folder `prefix` + random characters in the OS temporary folder, removed as said above. */
export function temporaryFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  } catch {
    // Not inside a test: it lives as long as the file's tests that use it.
    afterFile.push(dir);
  }
  return dir;
}
