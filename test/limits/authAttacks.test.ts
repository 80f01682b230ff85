// Password guessing against a live server over loopback sockets (issue 13): guesses sent in parallel
// sessions from one address, verifications capped per address and in total, and a login guessed at
// from many addresses, whose owner must still get in from an address that has not failed.
import { describe, expect, it } from "vitest";
import { authPlain, cleanup, codes, eventually, LineClient, PASSWORDS, PLAIN_POLICY, startMsa, type MsaOptions, type RunningMsa } from "../server/harness.js";

/** msa on the plain policy with `extra` lines after it, its limits edited by `limits`, stopped after the test. */
const msa = (extra: string[], limits?: MsaOptions["limits"], options: MsaOptions = {}) =>
  startMsa([...PLAIN_POLICY, ...extra], { failedAuthDelayMs: "policy", bcryptCost: 4, stopAfter: "test", ...(limits ? { limits } : {}), ...options });

/** A session from `localAddress` that has said EHLO. */
async function session(port: number, localAddress = "127.0.0.1"): Promise<LineClient> {
  const client = await LineClient.connect(port, localAddress);
  cleanup.push(async () => client.end());
  await client.waitReplies(1);
  await client.command("EHLO client.example");
  return client;
}

/** Sends one AUTH on every session at once and returns each session's reply code. */
async function authAtOnce(clients: LineClient[], line: (index: number) => string): Promise<string[]> {
  return Promise.all(clients.map((client, index) => client.command(line(index), 15_000).then(codes)));
}

const failedLogins = (m: RunningMsa) => m.logs.filter((l) => l.event === "auth-failed");

describe("guesses in parallel sessions", () => {
  it("verifies no more guesses from one address than its failure limit, however many arrive at once", async () => {
    // Defaults: 5 failures per 10 minutes per address.
    const m = await msa([], undefined, { failedAuthDelayMs: 1 });
    const clients = await Promise.all(Array.from({ length: 19 }, () => session(m.port)));
    const answers = await authAtOnce(clients, (i) => authPlain("alice", `wrong-${i}`));
    expect(answers.filter((a) => a === "535 5.7.8")).toHaveLength(5);
    expect(answers.filter((a) => a === "454 4.7.0")).toHaveLength(14);
    await eventually(() => failedLogins(m).length === 5);
    for (const client of clients) client.end();
    // The address is blocked now, for every login, the right password included.
    const late = await session(m.port);
    expect(codes(await late.command(authPlain("bob", PASSWORDS.bob)))).toBe("454 4.7.0");
    expect(m.logs.filter((l) => l.event === "reject" && l.code === 454).every((l) => l.rule === `${m.file}:0`)).toBe(true);
  });

  it("runs one verification at a time for one address and at most two in all, and serves every session", async () => {
    const m = await msa([], undefined, { failedAuthDelayMs: 1, bcryptCost: 10 });
    const addresses = Array.from({ length: 12 }, (_, i) => `127.0.0.${i + 2}`);
    const clients = await Promise.all([...addresses.map((a) => session(m.port, a)), session(m.port), session(m.port), session(m.port)]);
    const answers = await authAtOnce(clients, (i) => (i < addresses.length ? authPlain("alice", `wrong-${i}`) : authPlain("bob", PASSWORDS.bob)));
    expect(answers.slice(0, addresses.length)).toEqual(addresses.map(() => "535 5.7.8"));
    expect(answers.slice(addresses.length)).toEqual(["235 2.7.0", "235 2.7.0", "235 2.7.0"]);
    const slots = m.server.limits.verifications;
    expect(slots.peakRunning).toBe(2);
    expect(slots.peakRunningPerIp).toBe(1);
    expect(slots.running).toBe(0);
  });

  it("does not verify the guess of a session that closed while it waited for a slot", async () => {
    const m = await msa([], undefined, { failedAuthDelayMs: 1 });
    const slots = m.server.limits.verifications;
    // The test holds this address's slot, so the sessions' guesses have to wait.
    const held = [await slots.acquire("holder", "127.0.0.1")];
    const clients = await Promise.all([session(m.port), session(m.port)]);
    for (const [i, client] of clients.entries()) client.write(`${authPlain("alice", `wrong-${i}`)}\r\n`);
    await eventually(() => slots.waiting === 2);
    for (const client of clients) client.end();
    await eventually(() => slots.waiting === 0);
    for (const release of held) release!();
    expect(slots.running).toBe(0);
    // Nothing was verified or counted: the address can still make its five attempts.
    expect(failedLogins(m)).toHaveLength(0);
    const next = await session(m.port);
    expect(codes(await next.command(authPlain("alice", PASSWORDS.alice)))).toBe("235 2.7.0");
  });
});

describe("a login guessed at from many addresses", () => {
  it("still takes the right password from an address that has not failed, and blocks only the addresses that guessed", async () => {
    // Defaults: 10 failures per hour for one login.
    const m = await msa([], undefined, { failedAuthDelayMs: 1 });
    for (let i = 2; i <= 11; i++) {
      const attacker = await session(m.port, `127.0.0.${i}`);
      expect(codes(await attacker.command(authPlain("bob", "guess")))).toBe("535 5.7.8");
      attacker.end();
    }
    // The login is slowed: its failures wait the longest delay.
    expect(failedLogins(m).at(-1)).toMatchObject({ login: "bob", delayMs: 8_000 });

    const owner = await session(m.port, "127.0.0.20");
    expect(codes(await owner.command(authPlain("bob", PASSWORDS.bob)))).toBe("235 2.7.0");

    // An address that guessed at bob is refused for bob, the right password included, but not for alice.
    const guesser = await session(m.port, "127.0.0.2");
    expect(codes(await guesser.command(authPlain("bob", PASSWORDS.bob)))).toBe("454 4.7.0");
    expect(codes(await guesser.command(authPlain("alice", PASSWORDS.alice)))).toBe("235 2.7.0");
    await eventually(() => m.logs.some((l) => l.event === "reject" && l.code === 454));
    expect(m.logs.find((l) => l.event === "reject" && l.code === 454)).toMatchObject({ stage: "auth", rule: `${m.file}:0`, client: "127.0.0.2" });
  });
});
