// A unix-socket server that plays a broken neighbour for the edge cases real servers will not
// show on demand: it says `greeting` (or nothing) to each connection and never answers again.
import { createServer, type Socket } from "node:net";
import { afterAll } from "vitest";

export interface ScriptedListener {
  /** The connections it took, in order. */
  readonly accepted: Socket[];
}

/** Listens on `path` until the test file ends. */
export async function scriptedListener(path: string, greeting = ""): Promise<ScriptedListener> {
  const accepted: Socket[] = [];
  const server = createServer((socket) => {
    accepted.push(socket);
    if (greeting) socket.write(greeting);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  afterAll(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { accepted };
}
