// Tests readMessageData against a real smtp-server on loopback: what its DATA stream delivers for dot-stuffing
// and for the line endings of SMTP smuggling (CVE-2023-51764/51765/51766).
import net from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readMessageData, type MessageData } from "../../runtime/message/readMessageData.js";
import { ServerReads } from "../support/serverReads.js";

let server: SMTPServer;
let port: number;
let serverReads: ServerReads;
const received: MessageData[] = [];

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    disableReverseLookup: true,
    logger: false,
    onData(stream, _session, callback) {
      readMessageData(stream, { maxBytes: 64 }).then(
        (data) => {
          received.push(data);
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  serverReads = new ServerReads(server.server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  port = (server.server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** one transaction; payload parts are written one by one, each read by the server before the next is sent */
async function transaction(parts: string[]): Promise<{ codes: string[]; messages: MessageData[] }> {
  received.length = 0;
  const socket = net.connect(port, "127.0.0.1");
  let text = "";
  socket.on("data", (d) => (text += d.toString("latin1")));
  const until = (pattern: RegExp): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timeout waiting for ${pattern}: ${text}`)), 5000);
      const check = (): void => {
        if (pattern.test(text)) {
          clearTimeout(timer);
          socket.off("data", check);
          resolve();
        }
      };
      socket.on("data", check);
      check();
    });
  await until(/^220 /m);
  const commands = "EHLO client.example\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n";
  socket.write(commands);
  await until(/^354 /m);
  let sent = commands.length;
  for (const part of parts) {
    socket.write(Buffer.from(part, "latin1"));
    sent += part.length;
    await serverReads.reached(sent);
  }
  socket.write("QUIT\r\n");
  await until(/^221 /m);
  socket.destroy();
  const codes = text
    .split("\r\n")
    .filter((l) => /^\d{3} /.test(l))
    .map((l) => l.slice(0, 3));
  return { codes, messages: [...received] };
}

describe("smtp-server DATA stream through readMessageData", () => {
  it("ends only on CRLF.CRLF and undoes dot-stuffing (RFC 5321 section 4.5.2)", async () => {
    const { codes, messages } = await transaction(["..first\r\na\r\n..b\r\n...\r\n", ".\r\n"]);
    expect(codes).toEqual(["220", "250", "250", "250", "354", "250", "221"]);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.bytes.toString("latin1")).toBe(".first\r\na\r\n.b\r\n..\r\n");
    expect(messages[0]!.bareLineEnding).toBeNull();
  });

  it("finds the terminator split over segments", async () => {
    const { messages } = await transaction(["x\r", "\n", ".", "\r", "\n"]);
    expect(messages.map((m) => m.bytes.toString())).toEqual(["x\r\n"]);
  });

  it("delivers an empty message", async () => {
    const { messages } = await transaction([".\r\n"]);
    expect(messages[0]!.size).toBe(0);
  });

  const smuggling: Array<[string, string, "CR" | "LF"]> = [
    ["<LF>.<LF>", "S: a\r\n\r\nbody\n.\nMAIL FROM:<e@f>\n", "LF"],
    ["<CR>.<CR>", "S: a\r\n\r\nbody\r.\rMAIL FROM:<e@f>\r\n", "CR"],
    ["<LF>.<CRLF>", "S: a\r\n\r\nbody\n.\r\nMAIL FROM:<e@f>\r\n", "LF"],
    ["<CRLF>.<LF>", "S: a\r\n\r\nbody\r\n.\nMAIL FROM:<e@f>\r\n", "LF"],
  ];
  for (const [name, payload, kind] of smuggling) {
    it(`does not end DATA on ${name}, and the bare ${kind} is reported`, async () => {
      const { codes, messages } = await transaction([payload, "tail\r\n.\r\n"]);
      expect(codes.filter((c) => c === "250")).toHaveLength(4);
      expect(messages).toHaveLength(1);
      expect(messages[0]!.bytes.toString("latin1")).toBe(payload + "tail\r\n");
      expect(messages[0]!.bareLineEnding?.kind).toBe(kind);
    });
  }

  it('also undoes a ".." after a bare LF, which is why bare LF is refused rather than passed on', async () => {
    const { messages } = await transaction(["a\n..b\r\n.\r\n"]);
    expect(messages[0]!.bytes.toString("latin1")).toBe("a\n.b\r\n");
    expect(messages[0]!.bareLineEnding).toEqual({ kind: "LF", offset: 1 });
  });

  it("drains a message over maxBytes so the session goes on", async () => {
    const { codes, messages } = await transaction(["S: a\r\n\r\n" + "x".repeat(500) + "\r\n.\r\n"]);
    expect(codes.at(-2)).toBe("250");
    expect(messages[0]).toMatchObject({ tooBig: true, size: 510, bareLineEnding: null });
    expect(messages[0]!.bytes.length).toBe(0);
  });
});
