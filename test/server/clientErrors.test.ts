// A client that sends plain text after STARTTLS breaks its own session: the server logs a
// warning (`client-error`), not a server error, and keeps serving others.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawSmtp } from "../support/smtplib.js";
import { eventually, startMsa, type RunningMsa } from "./harness.js";

let msa: RunningMsa;
beforeAll(async () => {
  msa = await startMsa(["hostname msa.example.test", "{TLS}", "listen 127.0.0.1:2587 starttls", "allow unauthenticated", "qualify domains example.test"]);
});
afterAll(async () => {
  await msa.stop();
});

/** Reads until `pattern` has arrived (or the socket ends). */
function readUntil(socket: net.Socket, pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const onData = (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (pattern.test(text)) done();
    };
    const done = () => {
      socket.off("data", onData);
      resolve(text);
    };
    socket.on("data", onData);
    socket.once("close", done);
  });
}

describe("plain text after STARTTLS", () => {
  it("is logged as the client's failure and the server keeps serving", async () => {
    const socket = net.connect(msa.port, "127.0.0.1");
    await readUntil(socket, /^220 /m);
    socket.write("EHLO client.example\r\n");
    await readUntil(socket, /^250 /m);
    socket.write("STARTTLS\r\n");
    await readUntil(socket, /^220 /m);
    socket.write("EHLO this is not a TLS handshake\r\n");
    await new Promise((resolve) => socket.once("close", resolve));
    await eventually(() => msa.logs.some((l) => l.event === "client-error"));
    expect(msa.logs.find((l) => l.event === "client-error")).toMatchObject({ level: "warn" });
    expect(msa.logs.filter((l) => l.event === "server-error")).toEqual([]);
    const replies = await rawSmtp(msa.port, ["EHLO next.example", "QUIT"]);
    expect(replies[1]).toMatch(/^250[- ]/);
  });
});
