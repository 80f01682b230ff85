// A client that goes away in the middle of a message is the client's problem: logged as a
// warning, never at error level (error lines are what an administrator is paged for).
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { eventually, startMsa } from "./harness.js";

describe("a client that drops the connection during DATA", () => {
  it("is logged as a client error (warning), nothing at error level, whichever way the socket ends", async () => {
    const msa = await startMsa(["hostname msa.example.test", "listen 127.0.0.1:2525 plain", "allow unauthenticated", "qualify domains example.test", 'deliver spool "spool"']);
    for (let i = 0; i < 3; i++) {
      const socket = connect({ host: "127.0.0.1", port: msa.port });
      socket.on("error", () => undefined);
      let received = "";
      socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
      await eventually(() => received.startsWith("220"));
      socket.write("EHLO c\r\nMAIL FROM:<a>\r\nRCPT TO:<b>\r\nDATA\r\n");
      await eventually(() => received.includes("354"));
      // the half message has left for the server before the socket goes
      await new Promise((written) => socket.write("Subject: cut\r\n\r\nhalf a mes", written));
      if (i % 2 === 0) socket.resetAndDestroy();
      else socket.destroy();
    }
    // each session has ended and its DATA has come to an outcome (client-gone, or data-error at error level)
    await eventually(() => msa.logs.filter((l) => l.event === "close").length >= 3);
    await eventually(() => msa.logs.filter((l) => l.event === "client-gone" || l.event === "data-error").length >= 3);
    expect(msa.logs.filter((l) => l.level === "error" || l.level === "fatal")).toEqual([]);
    expect(msa.logs.filter((l) => l.event === "client-gone")).toHaveLength(3);
    expect(msa.logs.filter((l) => l.event === "client-gone").every((l) => l.level === "warn")).toBe(true);
  });
});
