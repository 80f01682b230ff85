// Load: 500 concurrent idle connections (25 loopback addresses x 20, the default per-IP limit) plus
// one working client, in-process; prints RSS figures and requires the working client to be served.
import { afterAll, describe, expect, it } from "vitest";
import { authPlain, codes, LineClient, PASSWORDS, PLAIN_POLICY, startMsa, type RunningMsa } from "../server/harness.js";

const IDLE = Number(process.env.IDLE_CONNECTIONS ?? 500);
const PER_IP = 20;
const clients: LineClient[] = [];
afterAll(async () => {
  for (const c of clients.splice(0)) c.end();
});

async function openIdle(msa: RunningMsa, count: number): Promise<number> {
  const opened = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const client = await LineClient.connect(msa.port, `127.0.1.${1 + Math.floor(i / PER_IP)}`);
      clients.push(client);
      await client.waitReplies(1, 10_000);
      return codes(client.replies[0]).startsWith("220") ? 1 : 0;
    }),
  );
  return opened.reduce<number>((a, b) => a + b, 0);
}

async function work(msa: RunningMsa): Promise<{ reply: string | undefined; ms: number }> {
  const started = Date.now();
  const client = await LineClient.connect(msa.port, "127.0.2.1");
  clients.push(client);
  await client.waitReplies(1);
  if (!codes(client.replies[0]).startsWith("220")) return { reply: client.replies[0], ms: Date.now() - started };
  for (const command of ["EHLO w.example", authPlain("alice", PASSWORDS.alice), "MAIL FROM:<alice>", "RCPT TO:<bob@example.test>", "DATA"]) await client.command(command);
  const reply = await client.command("Subject: under load\r\n\r\nbody\r\n.");
  return { reply, ms: Date.now() - started };
}

describe("500 idle connections plus one working client", () => {
  it("serves the working client when `limit sessions` leaves room, and refuses it with 421 4.7.0 when it does not", async () => {
    const roomy = await startMsa(PLAIN_POLICY, { bcryptCost: 4, limits: (d) => ({ ...d, sessions: { ...d.sessions, max: IDLE + 100 } }) });
    global.gc?.();
    const before = process.memoryUsage().rss;
    expect(await openIdle(roomy, IDLE)).toBe(IDLE);
    const during = process.memoryUsage().rss;
    const served = await work(roomy);
    console.log(
      `idle=${IDLE} rss_before=${(before / 2 ** 20).toFixed(1)}MiB rss_with_idle=${(during / 2 ** 20).toFixed(1)}MiB growth=${((during - before) / 2 ** 20).toFixed(1)}MiB per_conn=${((during - before) / IDLE / 1024).toFixed(1)}KiB working_client=${codes(served.reply)} in ${served.ms}ms sessions=${roomy.server.limits.connections.sessions}`,
    );
    expect(codes(served.reply)).toBe("250 2.0.0");
    expect(during - before).toBeLessThan(256 * 2 ** 20);
    for (const c of clients.splice(0)) c.end();

    // the default `limit sessions 500`: the 501st connection is refused before the greeting
    const strict = await startMsa(PLAIN_POLICY, { bcryptCost: 4 });
    expect(await openIdle(strict, 500)).toBe(500);
    const refused = await work(strict);
    expect(codes(refused.reply)).toBe("421 4.7.0");
  }, 120_000);
});
