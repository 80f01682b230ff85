// `deliver relay URL xforward` against a real Postfix next hop (smtpd_authorized_xforward_hosts
// = 127.0.0.0/8): a client submits from 127.0.0.2 with AUTH over STARTTLS, msa relays from
// 127.0.0.1, and Postfix's log line for the message names the client and msa's queue id
// (`orig_client=`, `orig_queue_id=`), in line and from the queue after msa has stopped. XFORWARD
// changes Postfix's logging only (its own Received field names msa either way): the HELO and
// protocol show in the line a header_checks WARN logs. Without `xforward`, or with a Postfix
// that does not offer it, the log names msa; a next hop that refuses it still gets the message.
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEventLog } from "../../runtime/log.js";
import { startQueueRunner } from "../../runtime/queue/queueFromPolicy.js";
import { startAiosmtpd } from "../support/aiosmtpdNextHop.js";
import { eventually } from "../support/eventually.js";
import { type PostfixNextHop, startPostfixNextHop } from "../support/postfixNextHop.js";
import { type LogEvent, PASSWORDS, type RunningMsa, SUBMISSION_POLICY, startMsa } from "./harness.js";

const CLIENT_ADDRESS = "127.0.0.2";

/** Submits as alice from CLIENT_ADDRESS with HELO client.example; returns msa's reply. */
async function submit(msa: RunningMsa, subject: string): Promise<string> {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: msa.port,
    localAddress: CLIENT_ADDRESS,
    name: "client.example",
    requireTLS: true,
    tls: { ca: msa.pki.caCertPem, servername: "localhost" },
    auth: { user: "alice", pass: PASSWORDS.alice },
  });
  try {
    const info = await transport.sendMail({
      envelope: { from: "alice@example.test", to: ["friend@example.org"] },
      raw: `From: alice@example.test\r\nSubject: ${subject}\r\n\r\nhello\r\n`,
    });
    return info.response;
  } finally {
    transport.close();
  }
}

/** msa's accept event for the message with this subject's session: its own queue id and the next hop's. */
function accepted(logs: LogEvent[]): { queueId: string; deliveredAs: string } {
  const event = logs.filter((l) => l.event === "accept").at(-1);
  expect(event, "msa logged the accepted message").toBeDefined();
  return { queueId: String(event!.queueId), deliveredAs: String(event!.deliveredAs ?? event!.queueId) };
}

/** Postfix's cleanup logs every Subject: with the client, protocol and HELO it was told about. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Postfix's own `${config_directory}`, expanded by Postfix
const WARN_EVERY_SUBJECT = { header_checks: "regexp:${config_directory}/header_checks" };
const HEADER_CHECKS = { header_checks: "/^Subject:/ WARN subject seen\n" };

describe("XFORWARD to a Postfix that offers it", () => {
  let postfix: PostfixNextHop;
  beforeAll(async () => {
    postfix = await startPostfixNextHop({ settings: { smtpd_authorized_xforward_hosts: "127.0.0.0/8", ...WARN_EVERY_SUBJECT }, files: HEADER_CHECKS });
  }, 60_000);
  afterAll(() => postfix?.stop());

  it("in line: Postfix logs the submitting client, its HELO and protocol, and msa's queue id", async () => {
    const msa = await startMsa([...SUBMISSION_POLICY, `deliver relay ${postfix.url} xforward`], { stopAfter: "test" });
    expect(await submit(msa, "in line")).toMatch(/^250 /);
    const { queueId, deliveredAs } = accepted(msa.logs);
    const line = await postfix.waitForLog(new RegExp(`${deliveredAs}: client=`));
    expect(line).toContain(`client=localhost[127.0.0.1], orig_queue_id=${queueId}, orig_client=unknown[${CLIENT_ADDRESS}]`);
    expect(await postfix.waitForLog(new RegExp(`${deliveredAs}: warning: header Subject: in line`))).toContain(
      `from unknown[${CLIENT_ADDRESS}]; from=<alice@example.test> to=<friend@example.org> proto=ESMTPSA helo=<client.example>`,
    );
    expect(msa.logs.filter((l) => l.event === "xforward-refused")).toEqual([]);
  });

  it("from the queue after msa stopped: the spool record kept the client's facts", async () => {
    const msa = await startMsa([...SUBMISSION_POLICY, `deliver spool "spool" relay ${postfix.url} xforward`], { stopAfter: "test" });
    // the queue runner is not started with the server: the message waits in the spool
    expect(await submit(msa, "from the queue")).toMatch(/^250 /);
    const queueId = String(msa.logs.find((l) => l.event === "accept")!.queueId);
    await msa.server.stop(200);
    const events: LogEvent[] = [];
    const queue = startQueueRunner(msa.graph, createEventLog(msa.graph, { write: (line: string) => events.push(JSON.parse(line) as LogEvent) }), { pollIntervalMs: 50 });
    try {
      const line = await postfix.waitForLog(new RegExp(`orig_queue_id=${queueId}`));
      expect(line).toMatch(new RegExp(`: client=localhost\\[127\\.0\\.0\\.1\\], orig_queue_id=${queueId}, orig_client=unknown\\[127\\.0\\.0\\.2\\]$`));
      expect(await postfix.waitForLog(/warning: header Subject: from the queue/)).toContain(
        `from unknown[${CLIENT_ADDRESS}]; from=<alice@example.test> to=<friend@example.org> proto=ESMTPSA helo=<client.example>`,
      );
      await eventually(() => events.some((e) => e.event === "queue-attempt" && e.result === "delivered"));
    } finally {
      await queue.stop();
    }
  });

  it("without `xforward`: Postfix logs msa as the client and nothing else", async () => {
    const msa = await startMsa([...SUBMISSION_POLICY, `deliver relay ${postfix.url}`], { stopAfter: "test" });
    expect(await submit(msa, "no xforward")).toMatch(/^250 /);
    const { deliveredAs } = accepted(msa.logs);
    const line = await postfix.waitForLog(new RegExp(`${deliveredAs}: client=`));
    expect(line).toMatch(/: client=localhost\[127\.0\.0\.1\]$/);
    expect(await postfix.waitForLog(new RegExp(`${deliveredAs}: warning: header Subject: no xforward`))).toContain(
      "from localhost[127.0.0.1]; from=<alice@example.test> to=<friend@example.org> proto=ESMTP helo=<msa.example.test>",
    );
  });
});

describe("XFORWARD to next hops that do not take it", () => {
  it("is not sent to a Postfix that does not offer it (no smtpd_authorized_xforward_hosts)", async () => {
    const postfix = await startPostfixNextHop();
    try {
      const msa = await startMsa([...SUBMISSION_POLICY, `deliver relay ${postfix.url} xforward`], { stopAfter: "test" });
      expect(await submit(msa, "not offered")).toMatch(/^250 /);
      const { deliveredAs } = accepted(msa.logs);
      expect(await postfix.waitForLog(new RegExp(`${deliveredAs}: client=`))).toMatch(/: client=localhost\[127\.0\.0\.1\]$/);
      // Postfix refuses an XFORWARD it did not offer (550 5.7.0): msa would have logged that
      expect(postfix.log()).not.toMatch(/XFORWARD/);
      expect(msa.logs.filter((l) => l.event === "xforward-refused")).toEqual([]);
    } finally {
      postfix.stop();
    }
  }, 60_000);

  it("goes on with the transaction when the next hop refuses it, and logs the refusal with the deliver rule", async () => {
    const aiosmtpd = await startAiosmtpd({ refuseXforward: true });
    try {
      const msa = await startMsa([...SUBMISSION_POLICY, `deliver relay ${aiosmtpd.url} xforward`], { stopAfter: "test" });
      expect(await submit(msa, "refused")).toMatch(/^250 /);
      const [message] = await aiosmtpd.received();
      expect(message!.raw.toString()).toContain("Subject: refused");
      const [command] = await aiosmtpd.xforwardCommands();
      const { queueId } = accepted(msa.logs);
      expect(command).toBe(`XFORWARD NAME=[UNAVAILABLE] ADDR=${CLIENT_ADDRESS} PROTO=ESMTPSA HELO=client.example IDENT=${queueId} SOURCE=REMOTE`);
      const refusal = msa.logs.find((l) => l.event === "xforward-refused");
      expect(refusal).toMatchObject({ queueId, rule: msa.rule("deliver relay") });
      expect(String(refusal!.reply)).toMatch(/said: 550 5\.7\.0 XFORWARD not authorized \(aiosmtpd\)$/);
    } finally {
      await aiosmtpd.stop();
    }
  }, 60_000);

  it("fails the attempt for now when the next hop answers XFORWARD with 421 and closes: the client gets 451, nothing is delivered", async () => {
    const aiosmtpd = await startAiosmtpd({ refuseXforward: "421" });
    try {
      const msa = await startMsa([...SUBMISSION_POLICY, `deliver relay ${aiosmtpd.url} xforward`], { stopAfter: "test" });
      await expect(submit(msa, "closing")).rejects.toMatchObject({ responseCode: 451 });
      expect(await aiosmtpd.xforwardCommands()).toHaveLength(1);
      expect(await aiosmtpd.received()).toEqual([]);
    } finally {
      await aiosmtpd.stop();
    }
  }, 60_000);
});
