// Proves the shared test helpers work before the rest of the suite relies on them: the test
// PKI verifies for real, the next hop records and misbehaves on demand, the clients read replies,
// and the waits (eventually, ServerReads, waitUntil) return as soon as what they wait for happens.
import { X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { once } from "node:events";
import { type AddressInfo, connect, createServer as createTcpServer } from "node:net";
import { connect as connectTls, createServer as createTlsServer, type TLSSocket } from "node:tls";
import nodemailer from "nodemailer";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeTestPki, type TestPki } from "./certificates.js";
import { eventually } from "./eventually.js";
import { freePort } from "./freePort.js";
import { startNextHop, type NextHop } from "./nextHop.js";
import { runProcess, startProcess } from "./processes.js";
import { ServerReads } from "./serverReads.js";
import { rawSmtp, runSmtplib } from "./smtplib.js";
import { temporaryFolder } from "./temporaryFolder.js";

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});

describe("makeTestPki", () => {
  let tlsPort: number;
  let closeTlsServer: () => Promise<void>;

  beforeAll(async () => {
    const [key, cert] = await Promise.all([readFile(pki.keyPath), readFile(pki.certPath)]);
    const server = createTlsServer({ key, cert }, (socket) => socket.end("hello over tls\n"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    tlsPort = (server.address() as { port: number }).port;
    closeTlsServer = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(() => closeTlsServer());

  function handshake(options: { servername?: string; ca?: string }): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = connectTls({ host: "127.0.0.1", port: tlsPort, ...options }, () => {
        resolve(socket);
        socket.destroy();
      });
      socket.once("error", reject);
    });
  }

  it("writes the CA, certificate and key as PEM files", async () => {
    expect(await readFile(pki.caPath, "utf8")).toBe(pki.caCertPem);
    expect(pki.caCertPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(await readFile(pki.certPath, "utf8")).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(await readFile(pki.keyPath, "utf8")).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
  });

  it("issues the server certificate from the CA for the loopback names", () => {
    const ca = new X509Certificate(pki.caCertPem);
    const server = new X509Certificate(pki.certPem);
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.checkHost("localhost")).toBe("localhost");
    expect(server.checkHost("msa.example.test")).toBe("msa.example.test");
    expect(server.checkHost("example.com")).toBeUndefined();
    expect(server.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(server.checkIP("::1")).toBe("::1");
  });

  it.each(["localhost", "msa.example.test"])("completes a verified handshake for %s", async (servername) => {
    const socket = await handshake({ servername, ca: pki.caCertPem });
    expect(socket.authorized).toBe(true);
  });

  it("completes a verified handshake for the IP address", async () => {
    const socket = await handshake({ ca: pki.caCertPem });
    expect(socket.authorized).toBe(true);
  });

  it("fails verification without the CA or for another name", async () => {
    await expect(handshake({ servername: "localhost" })).rejects.toMatchObject({
      code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    });
    await expect(handshake({ servername: "example.com", ca: pki.caCertPem })).rejects.toMatchObject({
      code: "ERR_TLS_CERT_ALTNAME_INVALID",
    });
  });

  it("generates keys once per process but writes a new folder each time", async () => {
    const again = await makeTestPki();
    expect(again.dir).not.toBe(pki.dir);
    expect(again.caCertPem).toBe(pki.caCertPem);
  });
});

describe("freePort", () => {
  it("returns a port that can be listened on", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createTcpServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});

describe("startNextHop", () => {
  let nextHop: NextHop;
  beforeAll(async () => {
    nextHop = await startNextHop();
  });
  afterAll(() => nextHop.stop());
  afterEach(() => {
    nextHop.mode = "accept";
    nextHop.refuseRecipients = [];
    nextHop.messages.length = 0;
  });

  const transport = () => nodemailer.createTransport({ host: "127.0.0.1", port: nextHop.port, secure: false, ignoreTLS: true });

  it("records a message sent with nodemailer", async () => {
    const info = await transport().sendMail({
      envelope: { from: "alice@example.test", to: ["bob@example.test", "carol@example.test"] },
      raw: "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: hello\r\n\r\nHi Bob.\r\n",
      dsn: { ret: "HDRS", envid: "env-1", notify: ["FAILURE", "DELAY"] },
    });
    expect(info.response).toMatch(/^250 2\.0\.0/);
    const [message] = await nextHop.waitForMessages(1);
    expect(message!.mailFrom).toBe("alice@example.test");
    expect(message!.rcptTo).toEqual(["bob@example.test", "carol@example.test"]);
    expect(message!.raw.toString()).toBe("From: alice@example.test\r\nTo: bob@example.test\r\nSubject: hello\r\n\r\nHi Bob.\r\n");
    expect(message!.mailParams).toMatchObject({ RET: "HDRS", ENVID: "env-1" });
    expect(message!.rcptParams[0]).toMatchObject({ NOTIFY: "FAILURE,DELAY" });
    expect(message!.secure).toBe(false);
  });

  it("waits with waitUntil for a condition on the messages, and names what it got when it times out", async () => {
    const waiting = nextHop.waitUntil((messages) => messages.some((m) => m.rcptTo.includes("late@example.test")));
    await transport().sendMail({ envelope: { from: "a@example.test", to: "late@example.test" }, raw: "Subject: x\r\n\r\nx\r\n" });
    expect((await waiting).map((m) => m.rcptTo)).toEqual([["late@example.test"]]);
    await expect(nextHop.waitUntil(() => false, 50)).rejects.toThrow("the next hop's 1 messages did not meet the condition within 50 ms");
  });

  it("refuses at MAIL with 550 5.7.1", async () => {
    nextHop.mode = "refuse-mail";
    await expect(transport().sendMail({ envelope: { from: "a@example.test", to: "b@example.test" }, raw: "Subject: x\r\n\r\nx\r\n" })).rejects.toMatchObject({
      responseCode: 550,
      response: expect.stringMatching(/^550 5\.7\.1 /),
    });
    expect(nextHop.messages).toEqual([]);
  });

  it("refuses after DATA with 550 5.7.1 and defers with 451 4.3.0", async () => {
    const send = () => transport().sendMail({ envelope: { from: "a@example.test", to: "b@example.test" }, raw: "Subject: x\r\n\r\nx\r\n" });
    nextHop.mode = "refuse-data";
    await expect(send()).rejects.toMatchObject({ responseCode: 550, response: expect.stringMatching(/^550 5\.7\.1 /) });
    nextHop.mode = "defer-data";
    await expect(send()).rejects.toMatchObject({ responseCode: 451, response: expect.stringMatching(/^451 4\.3\.0 /) });
    nextHop.mode = "defer-mail";
    await expect(send()).rejects.toMatchObject({ responseCode: 451 });
    expect(nextHop.messages).toEqual([]);
  });

  it("refuses chosen recipients with 550 5.1.1 and takes the rest", async () => {
    nextHop.refuseRecipients = ["Nobody@Example.Test"];
    const info = await transport().sendMail({
      envelope: { from: "a@example.test", to: ["nobody@example.test", "bob@example.test"] },
      raw: "Subject: x\r\n\r\nx\r\n",
    });
    expect(info.rejected).toEqual(["nobody@example.test"]);
    expect(info.rejectedErrors?.[0]).toMatchObject({ responseCode: 550, response: expect.stringMatching(/^550 5\.1\.1 /) });
    const [message] = await nextHop.waitForMessages(1);
    expect(message!.rcptTo).toEqual(["bob@example.test"]);
  });

  it("drops the connection without a reply, at MAIL or after the data", async () => {
    const attemptsBefore = nextHop.mailAttempts;
    for (const mode of ["drop-mail", "drop-data"] as const) {
      nextHop.mode = mode;
      const replies = await rawSmtp(nextHop.port, [
        "EHLO client.test",
        "MAIL FROM:<a@example.test>",
        "RCPT TO:<b@example.test>",
        "DATA",
        Buffer.from("Subject: x\r\n\r\nx\r\n.\r\n"),
      ]);
      const answered = mode === "drop-mail" ? 2 : 5;
      expect(replies).toHaveLength(answered);
    }
    expect(nextHop.mailAttempts).toBe(attemptsBefore + 2);
    expect(nextHop.messages).toEqual([]);
  });

  it("drops the connection before the greeting", async () => {
    nextHop.mode = "drop-connect";
    expect(await rawSmtp(nextHop.port, ["EHLO client.test"])).toEqual([]);
  });

  it("times out waiting for messages that do not come", async () => {
    await expect(nextHop.waitForMessages(1, 100)).rejects.toThrow("the next hop received 0 of 1 messages within 100 ms");
  });
});

describe("startNextHop with STARTTLS", () => {
  let nextHop: NextHop;
  beforeAll(async () => {
    nextHop = await startNextHop({ starttls: true });
  });
  afterAll(() => nextHop.stop());

  it("takes a message over TLS verified against the test CA", async () => {
    const transport = nodemailer.createTransport({
      host: "127.0.0.1",
      port: nextHop.port,
      secure: false,
      requireTLS: true,
      tls: { ca: pki.caCertPem, servername: "localhost" },
    });
    await transport.sendMail({ envelope: { from: "a@example.test", to: "b@example.test" }, raw: "Subject: tls\r\n\r\nx\r\n" });
    const [message] = await nextHop.waitForMessages(1);
    expect(message!.secure).toBe(true);
  });

  it("lets rawSmtp upgrade with STARTTLS", async () => {
    const [, ehlo, starttls, ehloAfter] = await rawSmtp(nextHop.port, ["EHLO client.test", "STARTTLS", "EHLO client.test"], {
      ca: pki.caCertPem,
    });
    expect(ehlo).toMatch(/^250[- ]STARTTLS$/m);
    expect(starttls).toMatch(/^220 /);
    expect(ehloAfter).not.toMatch(/STARTTLS/);
  });
});

describe("eventually", () => {
  it("resolves once the condition holds, and rejects with the time it waited when it never does", async () => {
    let polls = 0;
    await eventually(() => ++polls === 3, 1000, 1);
    expect(polls).toBe(3);
    await expect(eventually(() => false, 30)).rejects.toThrow("condition not met within 30 ms");
  });
});

describe("ServerReads", () => {
  it("lets pieces written one after another reach the server as separate reads", async () => {
    const chunks: string[] = [];
    const server = createTcpServer((socket) => socket.on("data", (chunk: Buffer) => chunks.push(chunk.toString())));
    const reads = new ServerReads(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = connect((server.address() as AddressInfo).port, "127.0.0.1");
    await once(client, "connect");
    let sent = 0;
    for (const piece of ["PROXY ", "TCP4 ", "\r\n"]) {
      client.write(piece);
      sent += piece.length;
      await reads.reached(sent);
    }
    expect(chunks).toEqual(["PROXY ", "TCP4 ", "\r\n"]);
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe("rawSmtp", () => {
  let nextHop: NextHop;
  beforeAll(async () => {
    nextHop = await startNextHop({ size: 1_000_000 });
  });
  afterAll(() => nextHop.stop());

  it("reads the greeting and a multi-line EHLO reply", async () => {
    const [greeting, ehlo, quit] = await rawSmtp(nextHop.port, ["EHLO client.test", "QUIT"]);
    expect(greeting).toMatch(/^220 next-hop\.test /);
    const lines = ehlo!.split("\n");
    expect(lines[0]).toMatch(/^250-next-hop\.test/);
    expect(lines.slice(1, -1).every((line) => line.startsWith("250-"))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^250 /);
    expect(lines.map((line) => line.slice(4))).toEqual(expect.arrayContaining(["PIPELINING", "8BITMIME", "SMTPUTF8", "DSN", "SIZE 1000000"]));
    expect(quit).toMatch(/^221 /);
  });

  it("sends message content as raw bytes and pipelined commands", async () => {
    const content = Buffer.concat([Buffer.from("Subject: caf"), Buffer.from([0xc3, 0xa9]), Buffer.from("\r\n\r\n..leading dot\r\n.\r\n")]);
    const replies = await rawSmtp(nextHop.port, [
      "EHLO client.test",
      { send: "MAIL FROM:<a@example.test> BODY=8BITMIME\r\nRCPT TO:<b@example.test>\r\nDATA\r\n", replies: 3 },
      content,
      "QUIT",
    ]);
    expect(replies.map((reply) => reply.slice(0, 3))).toEqual(["220", "250", "250", "250", "354", "250", "221"]);
    const [message] = await nextHop.waitForMessages(1);
    expect(message!.raw).toEqual(Buffer.concat([Buffer.from("Subject: caf"), Buffer.from([0xc3, 0xa9]), Buffer.from("\r\n\r\n.leading dot\r\n")]));
    expect(message!.mailParams).toEqual({ BODY: "8BITMIME" });
  });

  it("reports exact refusal codes", async () => {
    const replies = await rawSmtp(nextHop.port, ["EHLO client.test", "MAIL FROM:<a@example.test> SIZE=2000000"]);
    expect(replies[2]).toMatch(/^552 /);
  });
});

describe("runSmtplib", () => {
  it("runs a python script and returns its status and output", async () => {
    const result = await runSmtplib('import os, sys\nprint(os.environ["GREETING"])\nsys.exit(3)', { GREETING: "hi" });
    expect(result).toEqual({ code: 3, stdout: "hi\n", stderr: "" });
  });

  it("sends a message with smtplib over STARTTLS, verifying the test CA", async () => {
    const nextHop = await startNextHop({ starttls: true });
    try {
      const script = [
        "import os, smtplib, ssl",
        'context = ssl.create_default_context(cafile=os.environ["CA"])',
        'with smtplib.SMTP("localhost", int(os.environ["PORT"]), local_hostname="client.test") as smtp:',
        "    smtp.starttls(context=context)",
        '    smtp.sendmail("alice@example.test", ["bob@example.test"], b"Subject: smtplib\\r\\n\\r\\nhello\\r\\n")',
        'print("sent")',
      ].join("\n");
      const result = await runSmtplib(script, { CA: pki.caPath, PORT: String(nextHop.port) });
      expect(result.stderr).toBe("");
      expect(result).toMatchObject({ code: 0, stdout: "sent\n" });
      const [message] = await nextHop.waitForMessages(1);
      expect(message).toMatchObject({ mailFrom: "alice@example.test", rcptTo: ["bob@example.test"], secure: true });
      expect(message!.heloName).toBe("client.test");
    } finally {
      await nextHop.stop();
    }
  });
});

describe("startProcess", () => {
  const server = `
    process.on('SIGTERM', () => { console.log(JSON.stringify({ event: 'stopped' })); process.exit(0); });
    console.log('starting');
    console.log(JSON.stringify({ event: 'listening', port: 2525 }));
    setInterval(() => {}, 1000);
  `;

  it("collects JSON log lines, waits for one, and stops with SIGTERM", async () => {
    const child = startProcess(process.execPath, ["-e", server]);
    const listening = await child.waitForLine((line) => line.json?.event === "listening");
    expect(listening).toEqual({ text: '{"event":"listening","port":2525}', json: { event: "listening", port: 2525 } });
    expect(child.lines[0]).toEqual({ text: "starting" });
    expect(await child.stop()).toBe(0);
    expect(child.lines.at(-1)?.json).toEqual({ event: "stopped" });
    expect(child.exitCode).toBe(0);
  });

  it("reports death by signal as 128 + the signal number", async () => {
    const child = startProcess(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    expect(await child.stop("SIGKILL")).toBe(137);
  });

  it("rejects waitForLine when the process exits first, with its output", async () => {
    const child = startProcess(process.execPath, ["-e", 'console.error("bad policy"); process.exit(1)']);
    await expect(child.waitForLine(() => false)).rejects.toThrow(/exited with status 1[\s\S]*bad policy/);
    expect(await child.waitForExit()).toBe(1);
    expect(child.stderrLines).toEqual(["bad policy"]);
  });

  it("passes input on stdin and runs to completion with runProcess", async () => {
    const result = await runProcess(process.execPath, ["-e", 'process.stdin.on("data", (d) => process.stdout.write(String(d).toUpperCase()))'], { input: "secret\n" });
    expect(result).toEqual({ code: 0, stdout: "SECRET\n", stderr: "" });
  });

  let leftover: ReturnType<typeof startProcess> | undefined;
  it("leaves a process running at the end of a test", () => {
    leftover = startProcess(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    expect(leftover.exitCode).toBeNull();
  });

  it("has killed that process when the test finished", async () => {
    expect(await leftover!.waitForExit(5000)).toBe(137);
  });

  it("refuses npx", () => {
    expect(() => startProcess("npx", ["msac"])).toThrow(/runs node directly/);
  });
});

describe("temporaryFolder", () => {
  const forTheFile = temporaryFolder("msa-support-file-");
  let forTheTest: string | undefined;
  it.fails("makes a folder in a test that then fails", () => {
    forTheTest = temporaryFolder("msa-support-test-");
    expect(existsSync(forTheTest)).toBe(true);
    throw new Error("the test fails");
  });

  it("has removed that folder when the test finished, and keeps one made outside a test until the file ends", () => {
    expect(existsSync(forTheTest!)).toBe(false);
    expect(existsSync(forTheFile)).toBe(true);
  });
});
