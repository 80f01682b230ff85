// `add From` over the wire: the README's smtplib example sends a message without From:; with
// `add From` it arrives with the login's own address, and `enforce message syntax` lets it through.
// Without the rule the same message is refused by `enforce message syntax` (RFC 5322 section 3.6).
import { describe, expect, it } from "vitest";
import { runSmtplib } from "../support/smtplib.js";
import { PASSWORDS, SUBMISSION_POLICY, startMsaWithNextHop } from "./harness.js";

/** The README's example, with the test CA and alice's password. */
const README_EXAMPLE = `
import os, smtplib, ssl
s = smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]))
s.starttls(context=ssl.create_default_context(cafile=os.environ["CA"]))
s.login("alice", os.environ["PW"])
try:
    print(s.sendmail("alice", ["someone"], "Subject: hello from smtplib\\r\\n\\r\\nIt works.\\r\\n"))
except smtplib.SMTPDataError as e:
    print(e.smtp_code, e.smtp_error.decode())
s.quit()
`;

describe("add From", () => {
  it("completes a message without From: with the login's own address, and adds no Sender (and add header its own field)", async () => {
    const { hop, msa } = await startMsaWithNextHop((url) => [
      ...SUBMISSION_POLICY,
      "enforce message syntax",
      "add From",
      "add Sender",
      'add header X-Submitted-By "{login} from {client}"',
      `deliver relay ${url}`,
    ]);
    const result = await runSmtplib(README_EXAMPLE, { CA: msa.pki.caPath, PORT: String(msa.port), PW: PASSWORDS.alice });
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("{}");
    const [delivered] = await hop.waitForMessages(1);
    const text = delivered!.raw.toString();
    expect(text).toMatch(/^From: alice@example\.test\r$/m);
    expect(text).not.toMatch(/^Sender:/im);
    expect(text).toMatch(/^X-Submitted-By: alice from 127\.0\.0\.1\r$/m);
    expect(delivered!.rcptTo).toEqual(["someone@example.test"]);
  });

  it("without it, enforce message syntax refuses the same message", async () => {
    const { hop, msa } = await startMsaWithNextHop((url) => [...SUBMISSION_POLICY, "enforce message syntax", `deliver relay ${url}`]);
    const result = await runSmtplib(README_EXAMPLE, { CA: msa.pki.caPath, PORT: String(msa.port), PW: PASSWORDS.alice });
    expect(result.stdout.trim()).toBe("554 5.6.0 Message refused: message has no From: header field");
    expect(hop.messages).toHaveLength(0);
  });
});
