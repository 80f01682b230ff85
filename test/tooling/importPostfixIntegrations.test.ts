// `msac import postfix` for the settings of a Postfix + Dovecot site (test/fixtures/postfix/dovecot):
// Dovecot SASL, milters with their default action and timeouts, the Received trace options, and
// permit_mynetworks, which becomes the `allow unauthenticated` rule to write rather than a rule.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCheck } from "../../cli/check.js";
import { runImportPostfix } from "../../cli/import.js";
import { makeTestPki, removeTestPki } from "../support/certificates.js";
import { captureIo } from "./support.js";

const fixture = (name: string) => [join("test", "fixtures", "postfix", name, "main.cf"), join("test", "fixtures", "postfix", name, "master.cf")] as const;

/** The import's rules (comments and blank lines left out). */
const rules = (policy: string) => policy.split("\n").filter((line) => line !== "" && !line.startsWith("#"));

/** Imports a main.cf written here, with one submission service that takes logins. */
function importMainCf(mainCf: string): string {
  const dir = mkdtempSync(join(tmpdir(), "msa-import-"));
  try {
    writeFileSync(join(dir, "main.cf"), mainCf);
    writeFileSync(join(dir, "master.cf"), "submission inet n - n - - smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_sasl_auth_enable=yes\n");
    const io = captureIo();
    expect(runImportPostfix(join(dir, "main.cf"), join(dir, "master.cf"), {}, io), io.err()).toBe(0);
    return io.out();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("msac import postfix: a Postfix + Dovecot site", () => {
  it("asks Dovecot's auth socket under Postfix's queue directory, and keeps one login source when a service names another", () => {
    const io = captureIo();
    expect(runImportPostfix(...fixture("dovecot"), {}, io), io.err()).toBe(0);
    expect(rules(io.out())).toContain('auth dovecot "/var/spool/postfix/private/auth"');
    expect(rules(io.out())).not.toContain('auth users "users.passwd"');
    // The 465 service's `-o smtpd_sasl_path=inet:...` is a second source msa's server cannot have.
    expect(io.out()).toMatch(/^# not translated, msac check says MSA2002 .*: `auth dovecot "inet:127\.0\.0\.1:12345"`$/m);
  });

  it("writes Dovecot over TCP as inet:HOST:PORT and a relative path from queue_directory", () => {
    const inet = importMainCf("myhostname = mail.site.example\nsmtpd_tls_cert_file = /etc/ssl/mail.pem\nsmtpd_sasl_type = dovecot\nsmtpd_sasl_path = inet:127.0.0.1:12345\n");
    expect(rules(inet)).toContain('auth dovecot "inet:127.0.0.1:12345"');
    const moved = importMainCf(
      "myhostname = mail.site.example\nsmtpd_tls_cert_file = /etc/ssl/mail.pem\nqueue_directory = /srv/postfix\nsmtpd_sasl_type = dovecot\nsmtpd_sasl_path = private/auth\n",
    );
    expect(rules(moved)).toContain('auth dovecot "/srv/postfix/private/auth"');
  });

  it("writes one milter rule per smtpd_milters entry in order, with on failure accept and the timeouts set, and comments a host name", () => {
    const out = importMainCf(
      "myhostname = mail.site.example\nsmtpd_tls_cert_file = /etc/ssl/mail.pem\nsmtpd_milters = inet:127.0.0.1:11332, inet:localhost:8891, inet:filter.site.example:9000, unix:private/clamav\nmilter_default_action = accept\nmilter_content_timeout = 120s\n",
    );
    expect(rules(out).filter((line) => line.startsWith("milter"))).toEqual([
      "milter inet:127.0.0.1:11332 on failure accept timeout content 2m",
      "milter inet:localhost:8891 on failure accept timeout content 2m",
      "milter unix:/var/spool/postfix/private/clamav on failure accept timeout content 2m",
    ]);
    expect(out).toMatch(/^# smtpd_milters `inet:filter\.site\.example:9000`: msa takes an IP address or localhost/m);
  });

  it("leaves out on failure for Postfix's default tempfail and says what a reject default cannot be", () => {
    const tempfail = importMainCf("myhostname = mail.site.example\nsmtpd_tls_cert_file = /etc/ssl/mail.pem\nsmtpd_milters = inet:127.0.0.1:11332\n");
    expect(rules(tempfail).filter((line) => line.startsWith("milter"))).toEqual(["milter inet:127.0.0.1:11332"]);
    const reject = importMainCf("myhostname = mail.site.example\nsmtpd_tls_cert_file = /etc/ssl/mail.pem\nsmtpd_milters = inet:127.0.0.1:11332\nmilter_default_action = reject\n");
    expect(reject).toMatch(/^# milter_default_action = reject: msa either tempfails/m);
  });

  it("keeps the milters every service shares and says which one only 587 asks", () => {
    const io = captureIo();
    runImportPostfix(...fixture("dovecot"), {}, io);
    expect(rules(io.out()).filter((line) => line.startsWith("milter"))).toEqual(["milter inet:127.0.0.1:11332 on failure accept timeout content 2m"]);
    expect(io.out()).toMatch(/^# only on 587 \(.*master\.cf:1\): `milter inet:localhost:8891 on failure accept timeout content 2m` is a setting of the whole server/m);
  });

  it("adds the TLS and login comments to Received as smtpd_tls_received_header and smtpd_sasl_authenticated_header say", () => {
    const io = captureIo();
    runImportPostfix(...fixture("dovecot"), {}, io);
    expect(rules(io.out())).toContain("add Received with tls, login");
    const tlsOnly = importMainCf("myhostname = mail.site.example\nsmtpd_tls_cert_file = /etc/ssl/mail.pem\nsmtpd_tls_received_header = yes\n");
    expect(rules(tlsOnly)).toContain("add Received with tls");
    const neither = importMainCf("myhostname = mail.site.example\nsmtpd_tls_cert_file = /etc/ssl/mail.pem\n");
    expect(neither).not.toMatch(/^add Received/m);
  });

  it("writes the allow unauthenticated rule for $mynetworks as a comment, with msa's IPv6 form, rather than let anyone send as anyone", () => {
    const io = captureIo();
    runImportPostfix(...fixture("dovecot"), {}, io);
    expect(io.out()).not.toMatch(/^allow unauthenticated/m);
    expect(io.out()).toMatch(
      /^# on 587 only: smtpd_relay_restrictions: permit_mynetworks lets \$mynetworks \(127\.0\.0\.0\/8 \[::1\]\/128 10\.20\.0\.0\/16\) send without a login, as any sender; msa needs the senders written: `allow unauthenticated from 127\.0\.0\.0\/8, ::1\/128, 10\.20\.0\.0\/16 as ADDRESSES`, with `as \*` only if/m,
    );
    expect(io.out()).not.toMatch(/^# mynetworks = /m);
  });

  it("writes a policy msac check accepts, and the suggested trusted-networks rule checks too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "msa-import-"));
    try {
      // main.cf names ${config_directory}/cert.pem: the folder Postfix reads it from, here the copy's.
      for (const file of ["main.cf", "master.cf"]) copyFileSync(join("test", "fixtures", "postfix", "dovecot", file), join(dir, file));
      const pki = await makeTestPki();
      copyFileSync(pki.certPath, join(dir, "cert.pem"));
      copyFileSync(pki.keyPath, join(dir, "key.pem"));
      removeTestPki(pki);
      const io = captureIo();
      expect(runImportPostfix(join(dir, "main.cf"), join(dir, "master.cf"), { output: join(dir, "policy.msa") }, io), io.err()).toBe(0);
      const policy = readFileSync(join(dir, "policy.msa"), "utf8");
      const suggested = /`(allow unauthenticated from [^`]*) as ADDRESSES`/.exec(policy)![1]!;
      writeFileSync(join(dir, "policy.msa"), `${policy}${suggested} as *\n`);
      const check = captureIo();
      expect(runCheck([join(dir, "policy.msa")], { format: "text" }, check), check.out()).toBe(0);
      expect(check.out()).not.toMatch(/error/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
