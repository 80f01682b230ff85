// Lets a test send data in pieces that the server really reads one by one (a terminator split
// over segments, a PROXY header in parts): it waits until the server's socket has read each
// piece instead of sleeping and hoping the pieces were not coalesced.
import type { Server, Socket } from "node:net";
import { eventually } from "./eventually.js";

export class ServerReads {
  private latest: Socket | undefined;

  constructor(server: Server) {
    server.on("connection", (socket: Socket) => (this.latest = socket));
  }

  /** Resolves once the connection the server accepted last has read `bytes` bytes in all. */
  async reached(bytes: number, timeoutMs = 5000): Promise<void> {
    // No event tells of bytes read by a consumer this does not own (a 'data' listener could start
    // the socket flowing before its owner listens): poll the socket's counter, often, it is cheap.
    await eventually(() => (this.latest?.bytesRead ?? 0) >= bytes, timeoutMs, 1);
  }
}
