// `refuse header NAME, ...` on the wire: a message carrying a refused field gets 550 5.7.1 and never
// reaches the next hop, the log names the policy line; written `observe`, it is logged and delivered.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NextHop } from "../support/nextHop.js";
import { type RunningMsa, SUBMISSION_POLICY, eventually, startMsaWithNextHop, submitAs } from "./harness.js";

const MESSAGE = (extra: string) => `From: alice@example.test\r\nTo: bob@example.org\r\nSubject: hi\r\n${extra}\r\nhello\r\n`;

async function started(rule: string): Promise<{ hop: NextHop; msa: RunningMsa; line: number }> {
  const lines = (url: string) => [...SUBMISSION_POLICY, rule, `deliver relay ${url}`];
  const { hop, msa } = await startMsaWithNextHop(lines);
  return { hop, msa, line: lines("").indexOf(rule) + 1 };
}

const submit = (msa: RunningMsa, raw: string) => submitAs(msa, "alice", { from: "alice@example.test", to: ["bob@example.org"] }, raw);

describe("refuse header", () => {
  let server: Awaited<ReturnType<typeof started>>;
  beforeAll(async () => {
    server = await started("refuse header X-Classification, Return-Path");
  });
  afterAll(() => server.msa.stop());

  it("refuses a message with a refused field (any case) with 550 5.7.1, names the field, delivers nothing", async () => {
    const before = server.hop.messages.length;
    const reply = await submit(server.msa, MESSAGE("x-classification: internal\r\n"));
    expect(reply).toMatch(/^550 5\.7\.1 Message refused: header field x-classification not accepted/);
    await eventually(() => server.msa.logs.some((l) => l.event === "reject" && l.stage === "message"));
    const logged = server.msa.logs.find((l) => l.event === "reject" && l.stage === "message")!;
    expect(logged.rule).toBe(`${server.msa.graph.source.file}:${server.line}`);
    expect(server.hop.messages.length).toBe(before);
  });

  it("takes a message without the refused fields", async () => {
    const count = server.hop.messages.length;
    expect(await submit(server.msa, MESSAGE("X-Mailer: test\r\n"))).toMatch(/^250 2\.0\.0/);
    expect(await server.hop.waitForMessages(count + 1)).toHaveLength(count + 1);
  });
});

describe("observe refuse header", () => {
  it("logs would-reject with the rule and delivers the message", async () => {
    const { hop, msa, line } = await started("observe refuse header Return-Path");
    try {
      const count = hop.messages.length;
      expect(await submit(msa, MESSAGE("Return-Path: <alice@example.test>\r\n"))).toMatch(/^250 2\.0\.0/);
      await hop.waitForMessages(count + 1);
      await eventually(() => msa.logs.some((l) => l.event === "would-reject"));
      expect(msa.logs.find((l) => l.event === "would-reject")).toMatchObject({ code: 550, enhanced: "5.7.1", rule: `${msa.graph.source.file}:${line}` });
    } finally {
      await msa.stop();
    }
  });
});
