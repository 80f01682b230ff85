// CHUNKING to real next hops: msa sends BDAT to Postfix 3.7's smtpd, which offers CHUNKING (Postfix
// logs the conversation of the loopback peer, debug_peer_list, so the test reads which command
// carried the message); a BINARYMIME message is refused for Postfix, which lacks BINARYMIME, and
// goes with BDAT to another msa, which offers it.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNextHop, type NextHop } from "../support/nextHop.js";
import { type PostfixNextHop, startPostfixNextHop } from "../support/postfixNextHop.js";
import { rawSmtp } from "../support/smtplib.js";
import { codes, startMsa, type RunningMsa } from "./harness.js";

const PLAIN_SUBMISSION = ["hostname msa.example.test", "listen 127.0.0.1:2525 plain", "allow unauthenticated", "qualify domains example.test"];
const VERBOSE_LOOPBACK = { debug_peer_list: "127.0.0.1" };

let hop: NextHop;
const stops: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  hop = await startNextHop();
  stops.push(() => hop.stop());
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

const message = (subject: string) =>
  `From: alice@example.test\r\nTo: bob@example.test\r\nSubject: ${subject}\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <${subject}@example.test>\r\n\r\n.a line that starts with a dot\r\n..and two\r\nend\r\n`;
/** The message as a client writes it after DATA: dot-stuffed, with the final dot. */
const afterData = (text: string) => `${text.replace(/^\./gm, "..")}.`;
const received = (subject: string) => hop.messages.find((m) => m.raw.toString("latin1").includes(`Subject: ${subject}\r\n`));

describe("msa relaying to Postfix", () => {
  let postfix: PostfixNextHop;
  let msa: RunningMsa;
  beforeAll(async () => {
    postfix = await startPostfixNextHop({ relayTo: hop, settings: VERBOSE_LOOPBACK });
    stops.push(() => postfix.stop());
    msa = await startMsa([...PLAIN_SUBMISSION, `deliver relay ${postfix.url}`]);
  });

  it("sends the message with BDAT, octets unstuffed, and Postfix passes it on intact", async () => {
    const text = message("to-postfix");
    const replies = await rawSmtp(msa.port, ["EHLO client.example", "MAIL FROM:<alice@example.test>", "RCPT TO:<bob@example.test>", "DATA", afterData(text), "QUIT"]);
    expect(replies.slice(5).map(codes)).toEqual(["250 2.0.0", "221 2.0.0"]);
    expect(await postfix.waitForLog(/< \S+\[127\.0\.0\.1\]: BDAT \d+ LAST/)).toBeTruthy();
    await hop.waitUntil(() => received("to-postfix") !== undefined);
    expect(received("to-postfix")!.raw.toString("latin1")).toContain("\r\n\r\n.a line that starts with a dot\r\n..and two\r\nend\r\n");
  });

  it("refuses a BINARYMIME message: Postfix offers no BINARYMIME and msa converts none (554 5.6.3)", async () => {
    const text = message("binary-to-postfix").replace("end\r\n", "\u0000\r\n");
    const replies = await rawSmtp(msa.port, [
      "EHLO client.example",
      "MAIL FROM:<alice@example.test> BODY=BINARYMIME",
      "RCPT TO:<bob@example.test>",
      Buffer.from(`BDAT ${text.length} LAST\r\n${text}`, "latin1"),
    ]);
    expect(codes(replies[4])).toBe("554 5.6.3");
  });
});

// Postfix 3.7's smtp client never sends BDAT (it logs DATA to a server that offers CHUNKING), so
// the real BDAT client here is msa's own relay, sending to a second msa that spools.
describe("msa relaying to msa", () => {
  it("sends a BINARYMIME message with BDAT and BODY=BINARYMIME: stored byte for byte at the other end", async () => {
    const spooling = await startMsa([...PLAIN_SUBMISSION, 'deliver spool "spool"']);
    const relaying = await startMsa([...PLAIN_SUBMISSION, `deliver relay smtp://127.0.0.1:${spooling.port}`]);
    const text = message("binary-to-msa").replace("end\r\n", "\u0000\u00ff\rbare\n\r\n");
    const replies = await rawSmtp(relaying.port, [
      "EHLO client.example",
      "MAIL FROM:<alice@example.test> BODY=BINARYMIME",
      "RCPT TO:<bob@example.test>",
      Buffer.from(`BDAT ${text.length} LAST\r\n${text}`, "latin1"),
    ]);
    expect(codes(replies[4])).toBe("250 2.0.0");
    const stored = await spooledMessages(join(spooling.dir, "spool"));
    expect(stored.some((record) => record.includes(Buffer.from(text.slice(text.indexOf("\r\n\r\n")), "latin1")))).toBe(true);
  });
});

/** Every file under `dir`, read. */
async function spooledMessages(dir: string): Promise<Buffer[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(entries.filter((entry) => entry.isFile()).map((entry) => readFile(join(entry.parentPath, entry.name))));
}
