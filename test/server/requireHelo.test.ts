// `require helo` on the wire: MAIL from a client that greeted with the server's own name, or with an
// address literal that is not its address, is refused with 550 5.7.1 and the policy line is logged;
// its own address literal or any other name passes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawSmtp } from "../support/smtplib.js";
import { AS_ALICE, type RunningMsa, SUBMISSION_POLICY, authPlain, codes, eventually, PASSWORDS, rejections, startMsa } from "./harness.js";

const LINES = [...SUBMISSION_POLICY, "require helo", 'deliver spool "spool"'];
let msa: RunningMsa;
beforeAll(async () => {
  msa = await startMsa(LINES);
});
afterAll(() => msa.stop());

/** The reply to MAIL FROM after greeting with `name` (before and after STARTTLS) and AUTH as alice. */
async function mailAfter(name: string): Promise<string> {
  const replies = await rawSmtp(msa.port, [`EHLO ${name}`, "STARTTLS", `EHLO ${name}`, authPlain("alice", PASSWORDS.alice), "MAIL FROM:<alice>"], { ca: msa.pki.caCertPem });
  return codes(replies.at(-1));
}

describe("require helo", () => {
  it("refuses MAIL after EHLO with the server's own name, logging the rule", async () => {
    expect(await mailAfter("msa.example.test")).toBe("550 5.7.1");
    await eventually(() => rejections(msa.logs).length > 0);
    expect(rejections(msa.logs).at(-1)).toMatchObject({
      stage: "mail",
      rule: `${msa.graph.source.file}:${LINES.indexOf("require helo") + 1}`,
      detail: "HELO msa.example.test is this server's name",
    });
  });

  it("refuses an address literal that is not the client's, takes the client's own", async () => {
    expect(await mailAfter("[192.0.2.99]")).toBe("550 5.7.1");
    expect(await mailAfter("[127.0.0.1]")).toBe("250 2.1.0");
  });

  it("takes any other name", async () => {
    const replies = await rawSmtp(msa.port, [...AS_ALICE, "MAIL FROM:<alice>"], { ca: msa.pki.caCertPem });
    expect(codes(replies.at(-1))).toBe("250 2.1.0");
  });
});
