// Property tests against a live server: random and mutated SMTP command sequences and message data
// never crash it, never hang past its timeouts, never get mail accepted without AUTH under
// `require auth`, and never stop it serving a well-behaved client. A campaign by hand:
// FUZZ_RUNS=500 FUZZ_SEED=1 FUZZ_COMMAND_MS=500 FUZZ_DATA_MS=700 npx vitest run test/fuzz/sessions.fuzz.test.ts
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { authPlain, codes, eventually, LineClient, PASSWORDS, PLAIN_POLICY, startMsa, type RunningMsa } from "../server/harness.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 50);
const COMMAND_TIMEOUT_MS = Number(process.env.FUZZ_COMMAND_MS ?? 1_500);
const DATA_TIMEOUT_MS = Number(process.env.FUZZ_DATA_MS ?? 2_000);
const SEED = process.env.FUZZ_SEED === undefined ? {} : { seed: Number(process.env.FUZZ_SEED) };
/** The longest a session may last: every command waits at most the command timeout, DATA the data timeout. */
const SESSION_BOUND_MS = 15_000;

let msa: RunningMsa;
beforeAll(async () => {
  msa = await startMsa(PLAIN_POLICY, {
    failedAuthDelayMs: "policy",
    bcryptCost: 4,
    limits: (d) => ({
      ...d,
      sessions: { ...d.sessions, max: 500, perIp: 500 },
      timeouts: { ...d.timeouts, commandMs: COMMAND_TIMEOUT_MS, dataMs: DATA_TIMEOUT_MS },
      // fuzzed AUTH blocks 127.0.0.1 quickly; the well-behaved client comes from 127.0.0.9
      throttle: { ...d.throttle, delayBaseMs: 5, delayMaxMs: 20 },
    }),
  });
});

const VERBS = [
  "EHLO",
  "HELO",
  "MAIL FROM:",
  "RCPT TO:",
  "DATA",
  "RSET",
  "NOOP",
  "QUIT",
  "VRFY",
  "EXPN",
  "ETRN",
  "HELP",
  "AUTH PLAIN",
  "AUTH LOGIN",
  "AUTH CRAM-MD5",
  "STARTTLS",
  "BDAT 10",
  "XCLIENT ADDR=1.2.3.4",
  ".",
];
const NASTY = [
  "\r",
  "\n",
  "\r\n",
  "\0",
  "\x7f",
  ".",
  "<",
  ">",
  ":",
  "=",
  " ",
  "\t",
  "ü",
  "\u202e",
  "%",
  "@",
  '"',
  "\\",
  "\r.\r",
  "\n.\n",
  "SIZE=99999999999999999999",
  "BODY=8BITMIME",
  "SMTPUTF8",
  "RET=FULL",
  "ENVID=x",
  "NOTIFY=NEVER",
  "ORCPT=rfc822;a@b",
];

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.array(fc.constantFrom(...NASTY), { maxLength: 8 }).map((parts) => parts.join("")),
  fc.constantFrom(
    "<alice>",
    "<alice@example.test>",
    "<>",
    "<bob@example.test>",
    "<postmaster>",
    "<@a,@b:c@d>",
    `<${"a".repeat(300)}@x>`,
    authPlain("alice", "wrong").slice(11),
    Buffer.from("\0alice\0" + PASSWORDS.alice).toString("base64"),
  ),
);
/** A command line: a verb with random arguments, or garbage; CRLF, bare LF or nothing at the end. */
const line = fc
  .tuple(fc.oneof(fc.constantFrom(...VERBS), fc.string({ maxLength: 12 })), text, fc.constantFrom("\r\n", "\r\n", "\r\n", "\n", "\r", ""))
  .map(([verb, arg, end]) => `${verb}${arg ? " " + arg : ""}${end}`);
/** A well-formed envelope and message, mutated: some of it sent, some bytes flipped or duplicated. */
const message = fc
  .record({
    header: fc.string({ maxLength: 60 }),
    body: fc.array(fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom(...NASTY)), { maxLength: 10 }).map((p) => p.join("")),
    cut: fc.nat(),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
  })
  .map(({ header, body, cut, flips }) => {
    const bytes = Buffer.from(`MAIL FROM:<alice>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nSubject: ${header}\r\n\r\n${body}\r\n.\r\n`, "utf8");
    for (const [at, value] of flips) bytes[at % bytes.length] = value;
    return cut % 3 === 0 ? bytes.subarray(0, cut % bytes.length) : bytes;
  });
const session = fc.array(fc.oneof({ weight: 4, arbitrary: line }, { weight: 1, arbitrary: message }), { minLength: 1, maxLength: 12 });

/** Plays one session: writes each step after the previous reply (or after 100 ms), then waits for close or gives up. */
async function play(steps: (string | Buffer)[]): Promise<{ replies: string[]; ms: number }> {
  const started = Date.now();
  const client = await LineClient.connect(msa.port);
  try {
    await client.waitReplies(1, 2_000);
    for (const step of steps) {
      if (client.closed) break;
      const want = client.replies.length + 1;
      client.write(step);
      await client.waitReplies(want, 100);
    }
    client.write("QUIT\r\n");
    // the server must end it: by QUIT, or by its command timeout, or its data timeout
    await client.waitClosed(SESSION_BOUND_MS);
    return { replies: client.replies, ms: Date.now() - started };
  } finally {
    client.end();
  }
}

/** A client that behaves: logs in and sends a message, from an address the fuzzing did not get blocked. */
async function wellBehaved(): Promise<string | undefined> {
  const client = await LineClient.connect(msa.port, "127.0.0.9");
  try {
    await client.waitReplies(1);
    for (const command of ["EHLO good.example", authPlain("alice", PASSWORDS.alice), "MAIL FROM:<alice>", "RCPT TO:<bob@example.test>", "DATA"]) await client.command(command);
    return await client.command("Subject: fine\r\n\r\nfine\r\n.");
  } finally {
    client.end();
  }
}

describe("fuzzed sessions", () => {
  it(
    `${RUNS} random sessions: no crash, no hang, no mail without AUTH, other clients still served`,
    async () => {
      const accepted: string[] = [];
      await fc.assert(
        fc.asyncProperty(session, async (steps) => {
          const before = msa.logs.length;
          const { ms } = await play(steps);
          expect(ms).toBeLessThan(SESSION_BOUND_MS);
          const events = msa.logs.slice(before);
          // nothing is accepted in a session that did not authenticate (`require auth`, no postmaster)
          for (const event of events.filter((e) => e.event === "accept")) {
            accepted.push(String(event.session));
            expect(events.some((e) => e.event === "auth" && e.session === event.session)).toBe(true);
          }
          expect(events.filter((e) => e.event === "server-error" || e.event === "limits-error")).toEqual([]);
          // a message is only ever left unread when `timeout data` cut its DATA phase off
          for (const event of events.filter((e) => e.event === "data-error")) {
            expect(events.some((e) => e.event === "reject" && e.stage === "data" && e.session === event.session)).toBe(true);
          }
        }),
        { numRuns: RUNS, endOnFailure: true, ...SEED },
      );
      expect(codes(await wellBehaved())).toBe("250 2.0.0");
      // every session ends: no slot leaked (a leaked one never comes back)
      await eventually(() => msa.server.limits.connections.sessions === 0);
    },
    Math.max(120_000, RUNS * 2_000),
  );

  it("the authenticated mutations: message data flipped and cut never crashes a logged-in session", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 3 }), async (messages) => {
        const client = await LineClient.connect(msa.port, "127.0.0.10");
        try {
          await client.waitReplies(1);
          await client.command("EHLO m.example");
          expect(codes(await client.command(authPlain("bob", PASSWORDS.bob)))).toBe("235 2.7.0");
          for (const bytes of messages) {
            const want = client.replies.length + 1;
            client.write(bytes);
            await client.waitReplies(want, 100);
          }
          const before = client.replies.length;
          client.write("\r\n.\r\nRSET\r\nNOOP\r\n");
          // within the data timeout the session answers again, or has ended with a reply
          await client.waitReplies(before + 1, DATA_TIMEOUT_MS + 1_000);
          expect(client.replies.length > before || client.closed).toBe(true);
        } finally {
          client.end();
        }
      }),
      { numRuns: Math.max(10, Math.floor(RUNS / 5)) },
    );
    expect(codes(await wellBehaved())).toBe("250 2.0.0");
  }, 120_000);
});
