// Finds a TCP port that is free on 127.0.0.1, so parallel test files never collide on fixed ports.
import { createServer } from "node:net";

/** A port the kernel just handed out on 127.0.0.1 and that was released again. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("the probe server has no TCP address"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
