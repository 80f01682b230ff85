// `auth ldap` over the wire: SMTP AUTH through msa (real STARTTLS, nodemailer and raw sessions)
// against a real slapd, the directory's mail and mailAlternateAddress as submission rights, the
// entry cache's TTL seen through ldapmodify, and a directory that goes away (454, then back).
import nodemailer from "nodemailer";
import { beforeAll, describe, expect, it } from "vitest";
import { makeTestPki, type TestPki } from "../support/certificates.js";
import { rawSmtp } from "../support/smtplib.js";
import { LDAP_PEOPLE, LDAP_USERS, type Slapd, startSlapd } from "../support/slapd.js";
import { authPlain, codes, eventually, rejections, type RunningMsa, startMsa } from "./harness.js";

let pki: TestPki;
let slapd: Slapd;
beforeAll(async () => {
  pki = await makeTestPki();
  slapd = await startSlapd({ pki });
});

const carol = LDAP_USERS.carol;

/** A submission policy whose logins are slapd's, over StartTLS to the directory as well. */
function ldapPolicy(clauses: string[]): string[] {
  return [
    "hostname msa.example.test",
    "{TLS}",
    "listen 127.0.0.1:2587 starttls",
    `auth ldap "${slapd.url}" {`,
    "  starttls",
    `  ca "${pki.caPath}"`,
    ...clauses.map((clause) => `  ${clause}`),
    "}",
    "require tls",
    "require auth",
    'deliver spool "spool"',
  ];
}
const SEARCH = [`search base "${LDAP_PEOPLE}" filter "(&(objectClass=inetOrgPerson)(uid=%u))"`];

/** EHLO, STARTTLS, EHLO, AUTH as `login`, then `steps`: every reply, the greeting first. */
function session(msa: RunningMsa, login: string, password: string, steps: string[] = []): Promise<string[]> {
  return rawSmtp(msa.port, ["EHLO client.example", "STARTTLS", "EHLO client.example", authPlain(login, password), ...steps], { ca: msa.pki.caCertPem });
}
/** The replies to AUTH and to MAIL FROM:<from> in a session as `login`. */
async function mailFrom(msa: RunningMsa, login: string, password: string, from: string): Promise<[string, string]> {
  const replies = await session(msa, login, password, [`MAIL FROM:<${from}>`]);
  return [codes(replies[4]), codes(replies[5])];
}

describe("logins from the directory", () => {
  let msa: RunningMsa;
  beforeAll(async () => {
    msa = await startMsa(ldapPolicy(SEARCH));
  });

  it("sends as carol with nodemailer over STARTTLS, from her mail address", async () => {
    const transport = nodemailer.createTransport({
      host: "127.0.0.1",
      port: msa.port,
      requireTLS: true,
      tls: { ca: msa.pki.caCertPem, servername: "localhost" },
      auth: { user: "carol", pass: carol.password },
    });
    try {
      const info = await transport.sendMail({
        envelope: { from: carol.mail, to: ["bob@example.org"] },
        raw: `From: ${carol.mail}\r\nTo: bob@example.org\r\nSubject: hi\r\n\r\nhello\r\n`,
      });
      expect(codes(info.response)).toBe("250 2.0.0");
    } finally {
      transport.close();
    }
  });

  it("lets carol use each mailAlternateAddress and refuses other senders with 550 5.7.1 naming the auth ldap line", async () => {
    for (const address of carol.alternates) expect(await mailFrom(msa, "carol", carol.password, address)).toEqual(["235 2.7.0", "250 2.1.0"]);
    expect(await mailFrom(msa, "carol", carol.password, LDAP_USERS.dave.mail)).toEqual(["235 2.7.0", "550 5.7.1"]);
    expect(rejections(msa.logs).at(-1)).toMatchObject({ rule: msa.rule("auth ldap") });
  });

  it("refuses a wrong password and an unknown login alike with 535 5.7.8", async () => {
    expect(codes((await session(msa, "carol", "not-her-password"))[4])).toBe("535 5.7.8");
    expect(codes((await session(msa, "nobody", carol.password))[4])).toBe("535 5.7.8");
  });

  it("refuses logins that would match carol's entry if the filter took them as written", async () => {
    for (const login of ["car*", "*)(uid=carol", "\\63arol"]) {
      expect(codes((await session(msa, login, carol.password))[4]), login).toBe("535 5.7.8");
    }
  });
});

describe("the entry cache", () => {
  it("keeps a login's addresses for the cache's duration, then reads the directory again", async () => {
    const msa = await startMsa(ldapPolicy([`bind "uid=%u,${LDAP_PEOPLE}"`, "cache 3s"]), { stopAfter: "test" });
    const dave = LDAP_USERS.dave;
    expect(await mailFrom(msa, "dave", dave.password, dave.mail)).toEqual(["235 2.7.0", "250 2.1.0"]);
    slapd.modify(`dn: uid=dave,${LDAP_PEOPLE}\nchangetype: modify\nreplace: mail\nmail: d.new@example.com\n`);
    // Within the cache's duration: the entry as it was read.
    expect(await mailFrom(msa, "dave", dave.password, dave.mail)).toEqual(["235 2.7.0", "250 2.1.0"]);
    expect(await mailFrom(msa, "dave", dave.password, "d.new@example.com")).toEqual(["235 2.7.0", "550 5.7.1"]);
    // Once it has passed: the directory's new value, and the old one is gone.
    await eventually(async () => (await mailFrom(msa, "dave", dave.password, "d.new@example.com"))[1] === "250 2.1.0", 15_000, 250);
    expect(await mailFrom(msa, "dave", dave.password, dave.mail)).toEqual(["235 2.7.0", "550 5.7.1"]);
  });
});

describe("a directory that goes away", () => {
  it("answers AUTH with 454 4.7.0 while slapd is down, logs why, and logs in again once it is back", async () => {
    const msa = await startMsa(ldapPolicy(SEARCH), { stopAfter: "test" });
    await slapd.stop();
    try {
      const replies = await session(msa, "carol", carol.password, ["NOOP"]);
      expect(codes(replies[4])).toBe("454 4.7.0");
      // The session goes on: the client may try again later.
      expect(codes(replies[5])).toBe("250 2.0.0");
      expect(msa.logs.find((event) => event.event === "auth-unavailable")).toMatchObject({ reason: expect.stringContaining("ECONNREFUSED") });
    } finally {
      await slapd.start();
    }
    expect(codes((await session(msa, "carol", carol.password))[4])).toBe("235 2.7.0");
  });
});
