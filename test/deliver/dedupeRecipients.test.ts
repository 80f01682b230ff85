// Recipient deduplication over the wire and in `msac simulate`: only exact duplicates go (the
// domain compared without regard to case), never recipients whose local parts differ in case
// (RFC 5321 section 2.4: only the destination host may interpret a local part).
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import { compilePolicy } from "../../compiler/compile.js";
import { dedupeRecipients } from "../../runtime/deliver/dedupeRecipients.js";
import { parseScript } from "../../tooling/simulate/script.js";
import { simulate } from "../../tooling/simulate/session.js";
import { rawSmtp } from "../support/smtplib.js";
import { AS_ALICE, SUBMISSION_POLICY, codes, startMsaWithNextHop } from "../server/harness.js";

const POLICY = (url: string) => [...SUBMISSION_POLICY, `deliver relay ${url}`];

describe("recipient deduplication", () => {
  it("relays <Bob@x>, <bob@x> and <BOB@x> as three recipients and drops only exact duplicates", async () => {
    const { hop, msa } = await startMsaWithNextHop(POLICY);
    const replies = await rawSmtp(
      msa.port,
      [
        ...AS_ALICE,
        "MAIL FROM:<alice>",
        "RCPT TO:<Bob@x.example>",
        "RCPT TO:<bob@x.example>",
        "RCPT TO:<BOB@x.example>",
        "RCPT TO:<bob@X.Example>", // the same mailbox as <bob@x.example>: domains ignore case
        'RCPT TO:<"Bob"@x.example>', // the same mailbox as <Bob@x.example>: quoting changes nothing
        "DATA",
        Buffer.from("Subject: case\r\n\r\nbody\r\n.\r\n"),
      ],
      { ca: msa.pki.caCertPem },
    );
    expect(codes(replies.at(-1))).toBe("250 2.0.0");
    const [delivered] = await hop.waitForMessages(1);
    expect(delivered!.rcptTo).toEqual(["Bob@x.example", "bob@x.example", "BOB@x.example"]);
  });

  it("keeps the first spelling of each mailbox, and treats Postmaster in any case as one (RFC 5321 section 4.5.1)", () => {
    const kept = dedupeRecipients([
      { address: "Carol@Example.test" },
      { address: "carol@example.test" },
      { address: "Carol@example.TEST" },
      { address: "Postmaster@example.test" },
      { address: "postmaster@EXAMPLE.test" },
      { address: "postmaster" },
      { address: "POSTMASTER" },
    ]).map((r) => r.address);
    expect(kept).toEqual(["Carol@Example.test", "carol@example.test", "Postmaster@example.test", "postmaster"]);
  });

  it("msac simulate delivers to the same recipients as the server", async () => {
    const file = "test/tooling/fixtures/office.msa";
    const graph = compilePolicy(file, fs.readFileSync(file, "utf8")).graph!;
    const { steps } = parseScript(
      "EHLO a.test\n#auth demo\nMAIL FROM:<demo>\nRCPT TO:<Bob@x.example>\nRCPT TO:<bob@x.example>\nRCPT TO:<bob@X.EXAMPLE>\nDATA\nFrom: demo@office.test\n\nhi\n.\n",
    );
    const simulation = await simulate(graph, steps, { now: () => new Date("2026-01-01T12:00:00Z") });
    expect(simulation.exchanges.find((e) => e.delivered)?.delivered?.recipients).toEqual(["Bob@x.example", "bob@x.example"]);
  });
});
