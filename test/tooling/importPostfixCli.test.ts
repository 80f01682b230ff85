// `msac import postfix` as a command: what it prints on standard output for the fixtures in
// test/fixtures/postfix, the files it writes beside the policy, the reasons it gives for what it
// does not translate, and bad input.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runImportPostfix } from "../../cli/import.js";
import { captureIo } from "./support.js";

const fixture = (name: string) => [join("test", "fixtures", "postfix", name, "main.cf"), join("test", "fixtures", "postfix", name, "master.cf")] as const;

describe("msac import postfix", () => {
  it("prints the senders table inline on standard output, turned round from sender_login", () => {
    const io = captureIo();
    expect(runImportPostfix(...fixture("company"), {}, io), io.err()).toBe(0);
    expect(io.out()).toContain(
      "senders {\n  alice: alice@company.example, sales@company.example\n  bob: sales@company.example, bob@company.example, @support.company.example\n}\n",
    );
  });

  it("translates header_checks and names each line it cannot translate, with the reason", () => {
    const io = captureIo();
    runImportPostfix(...fixture("company"), {}, io);
    expect(io.out()).toContain('refuse header Subject matching /^.*\\b(viagra|casino)\\b/i with "spam is not accepted here"\n');
    expect(io.out()).toContain('replace header Subject matching /^\\[ext\\] (.*)$/i with "$1"\n');
    expect(io.out()).toMatch(/^# .*header_checks:5 `\/\^Received:\.\*localhost\/ +WARN`: the action `WARN` has no msa form/m);
  });

  it("writes the listeners of master.cf and the rules main.cf and the overrides share", () => {
    const io = captureIo();
    runImportPostfix(...fixture("office"), {}, io);
    const rules = io
      .out()
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"));
    expect(rules.slice(0, 5)).toEqual(["hostname mail.office.example", "qualify domains office.example", "listen 587 starttls", "listen 465 tls", "listen 127.0.0.1:2525 plain"]);
    expect(rules).toEqual(expect.arrayContaining(["require auth", "limit recipients 5", 'auth users "users.passwd"']));
  });

  it("writes what the services do not share as an on block per listener, and says what a block cannot hold", () => {
    const io = captureIo();
    expect(runImportPostfix(...fixture("office"), {}, io), io.err()).toBe(0);
    const out = io.out();
    expect(out).toMatch(/^# .*master\.cf:4: the -o overrides of this service\non 587 \{\n {2}require tls\n {2}limit size 5MB\n\}\n/m);
    expect(out).toMatch(/^# .*master\.cf:12: the -o overrides of this service\non 465 \{\n {2}require tls\n {2}limit size 2MB\n\}\n/m);
    expect(out).toMatch(/^on 127\.0\.0\.1:2525 \{\n {2}# smtpd_relay_restrictions: permit_mynetworks, .*\n {2}allow unauthenticated\n {2}limit size 5MB\n\}\n/m);
    // The plain application port needs neither, but the server needs them for 587 and 465.
    expect(out).toMatch(/^# only on 587, 465 in Postfix \(.*\); msa's server has it for every listener\nauth users "users\.passwd"$/m);
    expect(out).toMatch(/^# only on 465 \(.*master\.cf:12\): `tls protocols TLSv1\.3` is a setting of the whole server, which an `on` block cannot hold$/m);
    expect(out).toMatch(/^# on 465 only: smtpd_recipient_restrictions `reject_non_fqdn_recipient`: /m);
    expect(out).not.toMatch(/^limit size/m);
  });

  it("converts sender_canonical_maps into a rewrite senders table written beside the policy", () => {
    const dir = mkdtempSync(join(tmpdir(), "msa-import-"));
    try {
      const io = captureIo();
      expect(runImportPostfix(...fixture("company"), { output: join(dir, "policy.msa") }, io), io.err()).toBe(0);
      expect(readFileSync(join(dir, "policy.msa"), "utf8")).toMatch(/^rewrite senders "sender_canonical"\nmasquerade company\.example except mx\.company\.example$/m);
      expect(readFileSync(join(dir, "sender_canonical"), "utf8")).toBe(
        "# converted by msac import postfix from sender_canonical_maps\nsales@company.example sales-team@company.example\n@old-company.example @company.example\nbob@company.example robert@company.example\n",
      );
      expect(io.err()).toContain(`msac: wrote ${join(dir, "sender_canonical")}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("turns sender_dependent_relayhost_maps into deliver from lines, each logging in with its sender's or hop's credentials", () => {
    const dir = mkdtempSync(join(tmpdir(), "msa-import-"));
    try {
      const io = captureIo();
      expect(runImportPostfix(...fixture("isp"), { output: join(dir, "policy.msa") }, io), io.err()).toBe(0);
      const deliver = readFileSync(join(dir, "policy.msa"), "utf8")
        .split("\n")
        .filter((line) => line.startsWith("deliver"));
      expect(deliver).toEqual([
        'deliver spool "spool" relay smtp://smarthost.isp.example:587 require tls auth "relay.secret"',
        'deliver from @brand.example relay smtp://smtp.brand-provider.example:587 require tls auth "relay-smtp.brand-provider.example-587.secret"',
        'deliver from ceo@isp.example relay smtp://vip.isp.example:587 require tls auth "relay-ceo@isp.example.secret"',
        // DUNNO: the intern's mail takes relayhost, not the brand's hop.
        'deliver from intern@brand.example relay smtp://smarthost.isp.example:587 require tls auth "relay.secret"',
        // sender_dependent_authentication: the same hop, with the sender's own login.
        'deliver from ops@isp.example relay smtp://smarthost.isp.example:587 require tls auth "relay-ops@isp.example.secret"',
      ]);
      expect(readFileSync(join(dir, "relay-smtp.brand-provider.example-587.secret"), "utf8")).toBe("brand-user:brand-pw\n");
      expect(readFileSync(join(dir, "relay-ceo@isp.example.secret"), "utf8")).toBe("ceo-relay:ceo-pw\n");
      expect(statSync(join(dir, "relay-ops@isp.example.secret")).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says why sender_dependent_relayhost_maps is not translated when Postfix has no relayhost", () => {
    const dir = mkdtempSync(join(tmpdir(), "msa-import-"));
    try {
      const main = join(dir, "main.cf");
      writeFileSync(main, `myhostname = mail.example.com\nsmtpd_tls_cert_file = ${join(dir, "cert.pem")}\nsender_dependent_relayhost_maps = texthash:${join(dir, "relays")}\n`);
      writeFileSync(join(dir, "relays"), "@brand.example [hop.example]:25\n");
      const io = captureIo();
      expect(runImportPostfix(main, fixture("office")[1], {}, io), io.err()).toBe(0);
      expect(io.out()).toMatch(/^# sender_dependent_relayhost_maps = texthash:\S+: with no relayhost Postfix delivers the other senders' mail itself/m);
      expect(io.out()).not.toMatch(/^deliver from/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exits 2 and names the file it cannot read", () => {
    const io = captureIo();
    expect(runImportPostfix("test/fixtures/postfix/none/main.cf", fixture("office")[1], {}, io)).toBe(2);
    expect(io.err()).toMatch(/^msac: cannot read `test\/fixtures\/postfix\/none\/main\.cf`: /);
    expect(io.out()).toBe("");
  });
});
