// `msac import postfix` as a command: what it prints on standard output for the fixtures in
// test/fixtures/postfix, the reasons it gives for what it does not translate, and bad input.
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
    expect(rules.slice(0, 4)).toEqual(["hostname mail.office.example", "qualify domains office.example", "listen 587 starttls", "listen 465 tls"]);
    expect(rules).toEqual(expect.arrayContaining(["require tls", "require auth", "limit size 5MB", "limit recipients 5", 'auth users "users.passwd"']));
  });

  it("exits 2 and names the file it cannot read", () => {
    const io = captureIo();
    expect(runImportPostfix("test/fixtures/postfix/none/main.cf", fixture("office")[1], {}, io)).toBe(2);
    expect(io.err()).toMatch(/^msac: cannot read `test\/fixtures\/postfix\/none\/main\.cf`: /);
    expect(io.out()).toBe("");
  });
});
