// `RULE for LOGINS-OR-GROUPS` on the wire: a rule for some logins judges only their sessions, and
// one that says one value (`limit size`, a rate) replaces the rule for everyone for them.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawSmtp } from "../support/smtplib.js";
import { PASSWORDS, PLAIN_POLICY, type RunningMsa, authPlain, eventually, startMsa } from "./harness.js";

const LINES = [
  ...PLAIN_POLICY,
  "group team: alice",
  "limit size 10KB",
  'limit size 1KB for bob with "Bob, 1KB at most"',
  "refuse header X-Internal for team",
  "limit rate 2 messages per 1h per user",
  "limit rate 4 messages per 1h per user for bob",
];

/** One session of `login` sending one message (`extra` header lines, `body` bytes); the replies after DATA's 354, and to a second MAIL. */
async function send(msa: RunningMsa, login: "alice" | "bob", extra: string, body: number): Promise<{ data: string; next: string }> {
  const message = Buffer.from(`From: ${login}@example.test\r\nSubject: hi\r\n${extra}\r\n${"x".repeat(body)}\r\n.\r\n`);
  const replies = await rawSmtp(msa.port, [
    "EHLO client.example",
    authPlain(login, PASSWORDS[login]),
    `MAIL FROM:<${login}@example.test>`,
    "RCPT TO:<carol@example.test>",
    "DATA",
    message,
    `MAIL FROM:<${login}@example.test>`,
    "QUIT",
  ]);
  return { data: replies[6]!, next: replies[7]! };
}

describe("rules for some logins", () => {
  let msa: RunningMsa;
  beforeAll(async () => {
    msa = await startMsa(LINES);
  });
  afterAll(() => msa.stop());

  it("a size limit for bob replaces the one for everyone for him, with its own text and line", async () => {
    expect((await send(msa, "bob", "", 2000)).data).toBe("552 5.3.4 Bob, 1KB at most");
    await eventually(() => msa.logs.some((l) => l.event === "reject" && l.stage === "message"));
    expect(msa.logs.find((l) => l.event === "reject" && l.stage === "message")).toMatchObject({ rule: msa.rule("limit size 1KB") });
    expect((await send(msa, "alice", "", 2000)).data).toMatch(/^250 2\.0\.0/);
  });

  it("a rule for a group judges its members only", async () => {
    expect((await send(msa, "alice", "X-Internal: yes\r\n", 10)).data).toMatch(/^550 5\.7\.1/);
    expect((await send(msa, "bob", "X-Internal: yes\r\n", 10)).data).toMatch(/^250 2\.0\.0/);
  });

  it("a rate for bob replaces the rate for everyone that counts the same", async () => {
    // Each has sent one message above (refused ones are not counted): the second is the last
    // alice's rate for everyone takes, while bob's own rate of 4 takes more.
    const alice = await send(msa, "alice", "", 10);
    expect(alice.data).toMatch(/^250 2\.0\.0/);
    expect(alice.next).toMatch(/^451 4\.7\.1/);
    const bob = await send(msa, "bob", "", 10);
    expect(bob.data).toMatch(/^250 2\.0\.0/);
    expect(bob.next).toMatch(/^250 2\.1\.0/);
  });
});

describe("a group read from a file", () => {
  it("judges the logins the file lists, as a group written in the policy", async () => {
    const dir = await mkdtemp(join(tmpdir(), "msa-group-"));
    try {
      await writeFile(join(dir, "team.txt"), "# the team\nbob\n");
      const msa = await startMsa([...PLAIN_POLICY, `group team from "${join(dir, "team.txt")}"`, 'limit size 1KB for team with "The team: 1KB at most"'], { stopAfter: "test" });
      expect((await send(msa, "bob", "", 2000)).data).toBe("552 5.3.4 The team: 1KB at most");
      expect((await send(msa, "alice", "", 2000)).data).toMatch(/^250 2\.0\.0/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("judges the logins of a folder's file, the group named as the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "msa-groups-"));
    try {
      await mkdir(join(dir, "groups.d"));
      await writeFile(join(dir, "groups.d", "team"), "bob\n");
      const msa = await startMsa([...PLAIN_POLICY, `groups from "${join(dir, "groups.d")}"`, 'limit size 1KB for team with "The team: 1KB at most"'], { stopAfter: "test" });
      expect((await send(msa, "bob", "", 2000)).data).toBe("552 5.3.4 The team: 1KB at most");
      expect((await send(msa, "alice", "", 2000)).data).toMatch(/^250 2\.0\.0/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
