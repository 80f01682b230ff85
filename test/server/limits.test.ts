// Issue 6 over real sockets: rate limits (memory and a shared real Redis), login throttling,
// session limits, timeouts, command caps, strict SMTP and the smuggling variants, pipelining past DATA.
import { connect as connectTls, type TLSSocket } from "node:tls";
import { describe, expect, it } from "vitest";
import { makeTestPki } from "../support/certificates.js";
import { rawSmtp } from "../support/smtplib.js";
import { startRedis, type RedisServer } from "../limits/redisServer.js";
import { authPlain, cleanup, codes, eventually, LineClient, PASSWORDS, PLAIN_POLICY, startMsa, type MsaOptions, type RunningMsa } from "./harness.js";

/** msa on the plain policy with `extra` lines after it, its limits edited by `limits`, stopped after the test. */
const msa = (extra: string[], limits?: MsaOptions["limits"], options: MsaOptions = {}) =>
  startMsa([...PLAIN_POLICY, ...extra], { failedAuthDelayMs: "policy", bcryptCost: 4, stopAfter: "test", ...(limits ? { limits } : {}), ...options });

const HOUR = 3_600_000;
const login = ["EHLO client.example", authPlain("alice", PASSWORDS.alice)];
const message = (n: number) => ["MAIL FROM:<alice>", "RCPT TO:<bob@example.test>", "DATA", Buffer.from(`Subject: ${n}\r\n\r\nbody ${n}\r\n.\r\n`)];
const rejects = (m: RunningMsa) => m.logs.filter((l) => l.event === "reject");

describe("limits written in the policy", () => {
  it("`limit rate`, `throttle auth failures N per session` and `limit sessions per ip` act and log their lines", async () => {
    const m = await msa(["limit rate 1 messages per hour per user", "throttle auth failures 2 per session", "limit sessions per ip 2"], undefined, { failedAuthDelayMs: 1 });
    const replies = await rawSmtp(m.port, [...login, ...message(1), "MAIL FROM:<alice>"]);
    expect(codes(replies.at(-1))).toBe("451 4.7.1");
    const failing = await rawSmtp(m.port, ["EHLO c", authPlain("bob", "x"), authPlain("bob", "y")]);
    expect(failing.slice(2).map(codes)).toEqual(["535 5.7.8", "421 4.7.0"]);
    const held = [await LineClient.connect(m.port), await LineClient.connect(m.port), await LineClient.connect(m.port)];
    cleanup.push(async () => held.forEach((c) => c.end()));
    expect(codes((await held[2]!.waitReplies(1))[0])).toBe("421 4.7.0");
    await eventually(() => rejects(m).length === 3);
    expect(rejects(m).map((r) => [r.stage, r.rule])).toEqual([
      ["mail", `${m.file}:7`],
      ["auth", `${m.file}:8`],
      ["connect", `${m.file}:9`],
    ]);
  });
});

describe("limit rate", () => {
  it("refuses the message over `N messages per hour per user` at MAIL with 451 4.7.1 and logs the rule", async () => {
    const m = await msa(["# rate: 2 messages per hour per user"], (d, origin) => ({
      ...d,
      rates: [{ origin: origin("# rate:"), count: 2, unit: "messages", windowMs: HOUR, per: "user" }],
    }));
    const replies = await rawSmtp(m.port, [...login, ...message(1), ...message(2), "MAIL FROM:<alice>"]);
    expect(replies.slice(3).map(codes)).toEqual(["250 2.1.0", "250 2.1.5", "354 End", "250 2.0.0", "250 2.1.0", "250 2.1.5", "354 End", "250 2.0.0", "451 4.7.1"]);
    await eventually(() => rejects(m).length === 1);
    expect(rejects(m)[0]).toMatchObject({ event: "reject", stage: "mail", code: 451, enhanced: "4.7.1", rule: `${m.file}:7` });
    // bob has a counter of his own
    const bob = await rawSmtp(m.port, ["EHLO c", authPlain("bob", PASSWORDS.bob), "MAIL FROM:<bob>"]);
    expect(codes(bob[3])).toBe("250 2.1.0");
  });

  it("checks at MAIL without counting: transactions given up before DATA cost nothing", async () => {
    const m = await msa(["# rate: 1 message per hour per ip"], (d, origin) => ({
      ...d,
      rates: [{ origin: origin("# rate:"), count: 1, unit: "messages", windowMs: HOUR, per: "ip" }],
    }));
    const replies = await rawSmtp(m.port, [...login, "MAIL FROM:<alice>", "RSET", "MAIL FROM:<alice>", "RSET", ...message(1), "MAIL FROM:<alice>"]);
    expect(replies.slice(3).map(codes)).toEqual(["250 2.1.0", "250 2.0.0", "250 2.1.0", "250 2.0.0", "250 2.1.0", "250 2.1.5", "354 End", "250 2.0.0", "451 4.7.1"]);
  });

  it("refuses the RCPT that crosses `N recipients per hour` and keeps the ones before it", async () => {
    const m = await msa(["# rate: 2 recipients per hour per user"], (d, origin) => ({
      ...d,
      rates: [{ origin: origin("# rate:"), count: 2, unit: "recipients", windowMs: HOUR, per: "user" }],
    }));
    const replies = await rawSmtp(m.port, [
      ...login,
      "MAIL FROM:<alice>",
      "RCPT TO:<a@example.test>",
      "RCPT TO:<b@example.test>",
      "RCPT TO:<c@example.test>",
      "DATA",
      Buffer.from("Subject: x\r\n\r\nx\r\n.\r\n"),
      "MAIL FROM:<alice>",
      "RCPT TO:<d@example.test>",
    ]);
    expect(replies.slice(3).map(codes)).toEqual(["250 2.1.0", "250 2.1.5", "250 2.1.5", "451 4.7.1", "354 End", "250 2.0.0", "250 2.1.0", "451 4.7.1"]);
    await eventually(() => rejects(m).length === 2);
    expect(rejects(m).map((r) => r.stage)).toEqual(["rcpt", "rcpt"]);
  });

  it("counts bytes at the end of DATA: a message that would cross `N bytes per hour` gets 451 4.7.1 after its data", async () => {
    const m = await msa(["# rate: 300 bytes per hour per domain"], (d, origin) => ({
      ...d,
      rates: [{ origin: origin("# rate:"), count: 300, unit: "bytes", windowMs: HOUR, per: "domain" }],
    }));
    const big = Buffer.from(`Subject: big\r\n\r\n${"x".repeat(200)}\r\n.\r\n`);
    const replies = await rawSmtp(m.port, [...login, "MAIL FROM:<alice>", "RCPT TO:<b@example.test>", "DATA", big, "MAIL FROM:<alice>", "RCPT TO:<b@example.test>", "DATA", big]);
    expect(replies.slice(3).map(codes)).toEqual(["250 2.1.0", "250 2.1.5", "354 End", "250 2.0.0", "250 2.1.0", "250 2.1.5", "354 End", "451 4.7.1"]);
    await eventually(() => rejects(m).length === 1);
    expect(rejects(m)[0]).toMatchObject({ stage: "message", rule: `${m.file}:7` });
  });

  it("an observe-only rate logs would-reject and refuses nothing", async () => {
    const m = await msa(["# observe rate: 1 message per hour per user"], (d, origin) => ({
      ...d,
      rates: [{ origin: origin("# observe rate:"), count: 1, unit: "messages", windowMs: HOUR, per: "user", observe: true }],
    }));
    const replies = await rawSmtp(m.port, [...login, ...message(1), ...message(2)]);
    expect(replies.slice(3).map(codes)).toEqual(["250 2.1.0", "250 2.1.5", "354 End", "250 2.0.0", "250 2.1.0", "250 2.1.5", "354 End", "250 2.0.0"]);
    await eventually(() => m.logs.some((l) => l.event === "would-reject"));
    expect(m.logs.find((l) => l.event === "would-reject")).toMatchObject({ rule: `${m.file}:7`, code: 451, enhanced: "4.7.1" });
    expect(rejects(m)).toEqual([]);
  });

  it("two servers sharing a real Redis share their counters", async () => {
    const redis: RedisServer = await startRedis();
    cleanup.push(() => redis.stop());
    const limits = (d: Parameters<NonNullable<MsaOptions["limits"]>>[0], origin: (p: string) => import("../../graph/graph.js").RuleOrigin) => ({
      ...d,
      store: { kind: "redis" as const, url: redis.url, origin: origin("# store") },
      rates: [{ origin: origin("# rate:"), count: 2, unit: "messages" as const, windowMs: HOUR, per: "user" as const }],
    });
    const a = await msa(["# store", "# rate: 2 messages per hour per user"], limits);
    const b = await msa(["# store", "# rate: 2 messages per hour per user"], limits);
    expect(codes((await rawSmtp(a.port, [...login, ...message(1)])).at(-1))).toBe("250 2.0.0");
    expect(codes((await rawSmtp(b.port, [...login, ...message(2)])).at(-1))).toBe("250 2.0.0");
    expect(codes((await rawSmtp(a.port, [...login, "MAIL FROM:<alice>"])).at(-1))).toBe("451 4.7.1");
    expect(codes((await rawSmtp(b.port, [...login, "MAIL FROM:<alice>"])).at(-1))).toBe("451 4.7.1");
  });
});

describe("login throttling", () => {
  const fast = { failuresPerSession: 3, ip: { count: 5, windowMs: HOUR, blockMs: HOUR }, login: { count: 4, windowMs: HOUR, blockMs: HOUR }, delayBaseMs: 100, delayMaxMs: 250 };

  it("waits longer after each failure, then answers the third with 421 4.7.0 and closes", async () => {
    const m = await msa([], (d) => ({ ...d, throttle: { ...d.throttle, ...fast } }));
    const client = await LineClient.connect(m.port);
    cleanup.push(async () => client.end());
    await client.waitReplies(1);
    await client.command("EHLO c");
    const times: number[] = [];
    const answers: (string | undefined)[] = [];
    for (const password of ["x1", "x2", "x3"]) {
      const started = Date.now();
      answers.push(await client.command(authPlain("alice", password)));
      times.push(Date.now() - started);
    }
    expect(answers.map(codes)).toEqual(["535 5.7.8", "535 5.7.8", "421 4.7.0"]);
    expect(times[0]).toBeGreaterThanOrEqual(95);
    expect(times[1]).toBeGreaterThanOrEqual(195);
    expect(times[2]).toBeGreaterThanOrEqual(245); // capped at delayMaxMs
    expect(await client.waitClosed()).toBe(true);
    await eventually(() => m.logs.filter((l) => l.event === "auth-failed").length === 3);
    expect(m.logs.filter((l) => l.event === "auth-failed").map((l) => l.delayMs)).toEqual([100, 200, 250]);
    expect(rejects(m).at(-1)).toMatchObject({ stage: "auth", code: 421, enhanced: "4.7.0" });
  });

  it("blocks a login from an address after too many failures there: 454 4.7.0 even with the right password, before it is checked", async () => {
    const m = await msa([], (d) => ({ ...d, throttle: { ...d.throttle, ...fast, ip: { count: 100, windowMs: HOUR, blockMs: HOUR } } }), { failedAuthDelayMs: 1 });
    for (let i = 0; i < 2; i++) await rawSmtp(m.port, ["EHLO c", authPlain("bob", "wrong"), authPlain("bob", "wrong")]);
    const replies = await rawSmtp(m.port, ["EHLO c", authPlain("bob", PASSWORDS.bob), authPlain("alice", PASSWORDS.alice)]);
    expect(replies.slice(2).map(codes)).toEqual(["454 4.7.0", "235 2.7.0"]);
    await eventually(() => rejects(m).some((r) => r.code === 454));
    expect(m.logs.find((l) => l.event === "auth-failed" && Array.isArray(l.blocked))).toMatchObject({ blocked: ["login-from-ip"] });
  });

  it("blocks an IP after too many failures across logins, and does the same work for unknown logins", async () => {
    const m = await msa([], (d) => ({ ...d, throttle: { ...d.throttle, ...fast, ip: { count: 3, windowMs: HOUR, blockMs: HOUR } } }), { failedAuthDelayMs: 1 });
    const replies = await rawSmtp(m.port, ["EHLO c", authPlain("nobody", "x"), authPlain("alice", "x")]);
    expect(replies.slice(2).map(codes)).toEqual(["535 5.7.8", "535 5.7.8"]);
    const next = await rawSmtp(m.port, ["EHLO c", authPlain("ghost", "x"), authPlain("alice", PASSWORDS.alice)]);
    expect(next.slice(2).map(codes)).toEqual(["535 5.7.8", "454 4.7.0"]);
    // another address is not blocked (Linux routes all of 127/8 to loopback)
    const other = await LineClient.connect(m.port, "127.0.0.2");
    cleanup.push(async () => other.end());
    await other.waitReplies(1);
    await other.command("EHLO c");
    expect(codes(await other.command(authPlain("alice", PASSWORDS.alice)))).toBe("235 2.7.0");
  });
});

describe("connection limits", () => {
  it("refuses a session over `limit sessions per ip` with 421 4.7.0 before the greeting and closes it", async () => {
    const m = await msa(["# sessions per ip 2"], (d, origin) => ({ ...d, sessions: { ...d.sessions, perIp: 2, perIpOrigin: origin("# sessions per ip") } }));
    const first = await LineClient.connect(m.port);
    const second = await LineClient.connect(m.port);
    const third = await LineClient.connect(m.port);
    cleanup.push(async () => [first, second, third].forEach((c) => c.end()));
    await third.waitReplies(1);
    expect(codes(third.replies[0])).toBe("421 4.7.0");
    expect(await third.waitClosed()).toBe(true);
    expect(codes((await first.waitReplies(1))[0])).toBe("220 msa.example.test");
    await eventually(() => rejects(m).length === 1);
    expect(rejects(m)[0]).toMatchObject({ stage: "connect", code: 421, rule: `${m.file}:7` });
    // another IP still gets in, and a closed session frees its slot
    const elsewhere = await LineClient.connect(m.port, "127.0.0.3");
    cleanup.push(async () => elsewhere.end());
    expect(codes((await elsewhere.waitReplies(1))[0])).toBe("220 msa.example.test");
    first.end();
    await eventually(() => m.server.limits.connections.sessionsFrom("127.0.0.1") === 1);
    const again = await LineClient.connect(m.port);
    cleanup.push(async () => again.end());
    expect(codes((await again.waitReplies(1))[0])).toBe("220 msa.example.test");
  });

  it("refuses a session over `limit sessions` in total", async () => {
    const m = await msa([], (d) => ({ ...d, sessions: { ...d.sessions, max: 1 } }));
    const first = await LineClient.connect(m.port);
    const second = await LineClient.connect(m.port, "127.0.0.4");
    cleanup.push(async () => [first, second].forEach((c) => c.end()));
    expect(codes((await first.waitReplies(1))[0])).toBe("220 msa.example.test");
    expect(codes((await second.waitReplies(1))[0])).toBe("421 4.7.0");
    expect(await second.waitClosed()).toBe(true);
  });

  it("closes an idle session after `timeout command` with 421", async () => {
    const m = await msa([], (d) => ({ ...d, timeouts: { ...d.timeouts, commandMs: 300 } }));
    const client = await LineClient.connect(m.port);
    cleanup.push(async () => client.end());
    await client.waitReplies(1);
    await client.command("EHLO c");
    const started = Date.now();
    expect(await client.waitClosed(3000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(client.replies.at(-1)).toMatch(/^421 /);
  });

  it("closes a DATA phase that outlasts `timeout data` with 421 4.4.2, even while the client trickles bytes", async () => {
    const m = await msa([], (d) => ({ ...d, timeouts: { ...d.timeouts, commandMs: 5_000, dataMs: 400 } }));
    const client = await LineClient.connect(m.port);
    cleanup.push(async () => client.end());
    await client.waitReplies(1);
    for (const line of [...login, "MAIL FROM:<alice>", "RCPT TO:<b@example.test>", "DATA"]) await client.command(line);
    const trickle = setInterval(() => client.write("x"), 50);
    try {
      expect(await client.waitClosed(3000)).toBe(true);
    } finally {
      clearInterval(trickle);
    }
    expect(codes(client.replies.at(-1))).toBe("421 4.4.2");
    await eventually(() => rejects(m).some((r) => r.stage === "data"));
  });

  it("closes a session whose command line is longer than 12288 octets with 421", async () => {
    const m = await msa([]);
    const replies = await rawSmtp(m.port, ["EHLO c", `NOOP ${"a".repeat(13_000)}`, "NOOP"]);
    expect(replies[1]).toMatch(/^250[- ]msa\.example\.test/);
    expect(replies[2]).toMatch(/^421 .*too long/);
    expect(replies).toHaveLength(3);
  });

  it("closes a session after 10 unknown commands (smtp-server) and after 20 error replies of any kind", async () => {
    const m = await msa([]);
    const unknown = await rawSmtp(m.port, ["EHLO c", ...Array.from({ length: 10 }, (_, i) => `BOGUS${i}`), "NOOP"]);
    expect(
      unknown
        .slice(2, 11)
        .map(codes)
        .every((c) => c.startsWith("500")),
    ).toBe(true);
    expect(unknown[11]).toMatch(/^421 /);
    expect(unknown).toHaveLength(12);
    const refused = await rawSmtp(m.port, ["EHLO c", ...Array.from({ length: 20 }, () => "MAIL FROM:<alice>"), "NOOP"]);
    expect(
      refused
        .slice(2, 21)
        .map(codes)
        .every((c) => c === "530 5.7.0"),
    ).toBe(true);
    expect(codes(refused[21])).toBe("421 4.7.0");
    expect(refused).toHaveLength(22);
    await eventually(() => rejects(m).some((r) => r.stage === "command"));
  });
});

describe("strict SMTP", () => {
  it("refuses bare LF in DATA, VRFY and EXPN, unknown MAIL parameters and non-ASCII addresses without SMTPUTF8", async () => {
    const m = await msa([]);
    const replies = await rawSmtp(m.port, [
      ...login,
      "VRFY alice",
      "EXPN staff",
      "MAIL FROM:<alice> FOO=BAR",
      "MAIL FROM:<jürgen@example.test>",
      "MAIL FROM:<alice>",
      "RCPT TO:<b@example.test>",
      "DATA",
      Buffer.from("Subject: bare\n\nbody\r\n.\r\n"),
    ]);
    expect(replies.slice(3).map(codes)).toEqual(["502 5.5.1", "502 5.5.1", "555 5.5.4", "553 5.6.7", "250 2.1.0", "250 2.1.5", "354 End", "554 5.6.0"]);
  });

  it("refuses STARTTLS on a listener that is not `starttls` (found by fuzzing: smtp-server ran it with its built-in certificate)", async () => {
    const m = await msa([]);
    const replies = await rawSmtp(m.port, ["EHLO c", "STARTTLS", "NOOP"]);
    expect(replies.slice(2).map(codes)).toEqual(["500 5.5.2", "250 2.0.0"]);
  });

  it("has TLS 1.2 as the floor: a TLS 1.1 client cannot connect", async () => {
    const pki = await makeTestPki();
    const m = await msa([`tls certificate "${pki.certPath}" key "${pki.keyPath}"`, "listen 127.0.0.1:2465 tls"]);
    const port = m.server.ports[1]!;
    const attempt = (version: "TLSv1.1" | "TLSv1.2") =>
      new Promise<string>((resolve) => {
        const socket = connectTls(
          { host: "127.0.0.1", port, ca: pki.caCertPem, servername: "localhost", minVersion: version, maxVersion: version, ciphers: "DEFAULT:@SECLEVEL=0" },
          () => {
            resolve(socket.getProtocol() ?? "none");
            socket.destroy();
          },
        );
        socket.on("error", (error) => resolve(`error: ${error.message}`));
      });
    expect(await attempt("TLSv1.1")).toMatch(/^error: /);
    expect(await attempt("TLSv1.2")).toBe("TLSv1.2");
  });

  // delivery.test.ts covers \n.\n, \r.\r, \r\n.\n, \n.\r\n and \r.\r\n; these are the other public forms.
  it.each([
    ["CVE-2023-51764 (Postfix) <LF>.<CR><LF> after a CRLF line", "\r\n\n.\r\n"],
    ["CVE-2023-51765 (Sendmail) <CR><LF>.<CR>", "\r\n.\r"],
    ["CVE-2023-51766 (Exim) <LF>.<CR>", "\n.\r"],
    ["<CR>.<CR><LF> after a CRLF line", "\r\n\r.\r\n"],
    ["<CR><LF>.<LF><CR><LF>", "\r\n.\n\r\n"],
  ])("refuses %s and delivers nothing smuggled", async (_name, sequence) => {
    const m = await msa([]);
    const smuggled = "MAIL FROM:<alice>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n";
    const data = Buffer.from(`Subject: real\r\n\r\nreal body${sequence}${smuggled}.\r\n`);
    const replies = await rawSmtp(m.port, [...login, "MAIL FROM:<alice>", "RCPT TO:<b@example.test>", "DATA", { send: data, replies: 1 }, "QUIT"]);
    expect(codes(replies.at(-2))).toBe("554 5.6.0");
    expect(replies.at(-1)).toMatch(/^221 /);
    expect(m.logs.filter((l) => l.event === "accept")).toEqual([]);
  });

  it("pipelining past DATA (RFC 2920): text sent before the 354 is the message once the envelope is accepted", async () => {
    const m = await msa([]);
    const batch = "MAIL FROM:<alice>\r\nRCPT TO:<b@example.test>\r\nDATA\r\nSubject: eager\r\n\r\nbody\r\n.\r\n";
    const replies = await rawSmtp(m.port, [...login, { send: batch, replies: 4 }, "QUIT"]);
    expect(replies.slice(3).map(codes)).toEqual(["250 2.1.0", "250 2.1.5", "354 End", "250 2.0.0", "221 2.0.0"]);
    expect(m.logs.filter((l) => l.event === "accept")).toHaveLength(1);
  });

  it("answers a pipelined MAIL, RCPT, RCPT, DATA in one TLS record (RFC 2920 section 3.2: replies to a batch as a unit)", async () => {
    const pki = await makeTestPki();
    const m = await msa([`tls certificate "${pki.certPath}" key "${pki.keyPath}"`, "listen 127.0.0.1:2465 tls"]);
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const opened = connectTls({ host: "127.0.0.1", port: m.server.ports[1]!, ca: pki.caCertPem, servername: "localhost" }, () => resolve(opened));
      opened.once("error", reject);
    });
    cleanup.push(async () => void socket.destroy());
    // each TLS record the server writes reaches this socket as one 'data' chunk
    const chunks: string[] = [];
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => chunks.push(chunk));
    const until = (reply: RegExp) => eventually(() => reply.test(chunks.join("")));
    await until(/^220 /m);
    socket.write(`${login[0]}\r\n`);
    await until(/^250 /m);
    socket.write(`${login[1]}\r\n`);
    await until(/^235 /m);
    const before = chunks.length;
    socket.write("MAIL FROM:<alice>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<c@example.test>\r\nDATA\r\n");
    await until(/^354 /m);
    expect(chunks.slice(before)).toHaveLength(1);
    expect(chunks[before]!.match(/^\d{3}(?= )/gm)).toEqual(["250", "250", "250", "354"]);
    socket.write("Subject: batched\r\n\r\nbody\r\n.\r\nQUIT\r\n");
    await until(/^221 /m);
    expect(
      chunks
        .join("")
        .match(/^\d{3}(?= )/gm)!
        .slice(-2),
    ).toEqual(["250", "221"]);
  });

  it("pipelining past a refused DATA: the text is read as commands, each refused, and nothing is accepted", async () => {
    const m = await msa([]);
    const batch = "MAIL FROM:<alice>\r\nRCPT TO:<b@example.test> FOO=1\r\nDATA\r\nMAIL FROM:<alice>\r\n.\r\n";
    const replies = await rawSmtp(m.port, [...login, { send: batch, replies: 5 }]);
    expect(replies.slice(3).map(codes)).toEqual(["250 2.1.0", "555 5.5.4", "503 5.5.1", "503 5.5.1", "500 5.5.2"]);
    expect(m.logs.filter((l) => l.event === "accept")).toEqual([]);
  });
});
