// A bare TCP client for tests that drive the server octet by octet: what the server sent so far,
// and a promise that resolves when the server closes the connection.
import { connect, type Socket } from "node:net";

export interface RawConnection {
  socket: Socket;
  /** Resolves when the connection is closed (by either side). */
  closed: Promise<void>;
  /** Everything the server has sent so far, as latin1. */
  received(): string;
}

/** Connects to 127.0.0.1:`port` and sends nothing; resolves once connected. */
export async function openRawConnection(port: number): Promise<RawConnection> {
  const socket = connect({ host: "127.0.0.1", port });
  socket.on("error", () => undefined);
  let received = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return { socket, closed, received: () => received };
}
