// `copy to ADDRESS` on the wire: the next hop gets every accepted message for the archive too, in
// the envelope only and with NOTIFY=NEVER, once even when the client named the archive itself.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import type { NextHop } from "../support/nextHop.js";
import { type RunningMsa, SUBMISSION_POLICY, startMsaWithNextHop, submitAs } from "./harness.js";

const submit = (msa: RunningMsa, to: string[]) =>
  submitAs(msa, "alice", { from: "alice@example.test", to }, `From: alice@example.test\r\nTo: ${to.join(", ")}\r\nSubject: hi\r\n\r\nhello\r\n`);

describe("copy to", () => {
  let hop: NextHop;
  let msa: RunningMsa;
  beforeAll(async () => {
    ({ hop, msa } = await startMsaWithNextHop((url) => [...SUBMISSION_POLICY, "copy to archive@example.test", `deliver relay ${url}`]));
  });
  afterAll(() => msa.stop());

  it("hands the archive address to the next hop with NOTIFY=NEVER, and leaves the header alone", async () => {
    expect(await submit(msa, ["bob@example.org"])).toMatch(/^250 2\.0\.0/);
    const [delivered] = await hop.waitForMessages(1);
    expect(delivered!.rcptTo).toEqual(["bob@example.org", "archive@example.test"]);
    expect(delivered!.rcptParams[1]).toMatchObject({ NOTIFY: "NEVER" });
    expect(delivered!.raw.toString()).not.toContain("archive@");
  });

  it("adds the archive once when the client already named it", async () => {
    expect(await submit(msa, ["archive@example.test", "bob@example.org"])).toMatch(/^250 2\.0\.0/);
    const [, delivered] = await hop.waitForMessages(2);
    expect(delivered!.rcptTo).toEqual(["archive@example.test", "bob@example.org"]);
  });

  it("is checked: an address it cannot deliver to is an error", () => {
    const text = "hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\ncopy to archive\n";
    expect(compilePolicy("p.msa", text).diagnostics.map((d) => d.message)).toContain("`archive` is not an address");
  });
});
