// Checker, parser and renderer behaviours that the golden fixtures do not pin
// one by one: loopback detection, conflicts, when lints speak, how invisible
// characters are named, and how excerpts are drawn.
import { describe, expect, it } from "vitest";
import type { CompilerHost } from "../../compiler/checkFiles.js";
import { compilePolicy } from "../../compiler/compile.js";
import { renderText } from "../../compiler/render.js";

const USERS_WITH_BARE_LOGIN = "demo:$argon2id$v=19$m=65536,p=4,t=3$QotrGacDXa9LAK305n6rUg$2Kv8497eDDNVdT2cWucuxHM+06NSvQuhgp2d9b53k5E\n";
const USERS_WITH_ADDRESS = USERS_WITH_BARE_LOGIN.replace(/^demo:/, "demo@example.test:");

function hostWith(files: Record<string, string>): CompilerHost {
  return {
    readFile(file) {
      const name = Object.keys(files).find((f) => file.endsWith("/" + f));
      return name === undefined ? { ok: false, missing: true, reason: "no such file" } : { ok: true, text: files[name] };
    },
  };
}

/** `CODE underlined-text` for each diagnostic. */
function check(text: string, files: Record<string, string> = {}): string[] {
  const result = compilePolicy("p.msa", text, hostWith(files));
  return result.diagnostics.map((d) => `${d.code} ${(result.sources.get(d.file) ?? "").slice(d.span.start, d.span.end)}`);
}

const base = "hostname msa.example.test\n";

describe("auth sql", () => {
  it("warns of a database password in the URL, written before the host or as `?password=` (MSA4182)", () => {
    const sql = (url: string) => check(`${base}listen 127.0.0.1:2525 plain\nauth sql "${url}" password query "SELECT hash FROM users WHERE login = $1"\nrequire auth\n`);
    expect(sql("postgresql://msa:s3cret@db.example.net/mail")).toEqual(["MSA4182 s3cret"]);
    expect(sql("postgresql://msa@db.example.net/mail?password=s3cret")).toEqual(['MSA4182 "postgresql://msa@db.example.net/mail?password=s3cret"']);
    expect(sql("postgresql://msa@db.example.net/mail?sslmode=require")).toEqual([]);
  });
});

describe("allow unauthenticated", () => {
  it("is accepted on any 127.0.0.0/8 address, ::1 and localhost", () => {
    for (const host of ["127.0.0.1", "127.0.0.2", "[::1]", "localhost"]) {
      expect(check(`${base}listen ${host}:2525 plain\nallow unauthenticated\n`), host).toEqual([]);
    }
  });

  it("is refused on an address that is not loopback", () => {
    expect(check(`${base}listen 10.0.0.1:2525 plain\nallow unauthenticated\n`)).toEqual(["MSA4009 listen 10.0.0.1:2525 plain"]);
  });

  it("in an `on` block is refused for a listener that is not loopback, and lifts require auth on a loopback one", () => {
    const policy = (listen: string) => `${base}listen 127.0.0.1:2525 plain\n${listen}\nauth users "u"\nrequire auth\non 2526 {\n  allow unauthenticated\n}\n`;
    expect(check(policy("listen 2526 plain"), { u: USERS_WITH_ADDRESS })).toEqual(["MSA4009 listen 2526 plain"]);
    expect(check(policy("listen 127.0.0.1:2526 plain"), { u: USERS_WITH_ADDRESS })).toEqual([]);
  });

  it("is warned about on a loopback listener behind a load balancer, in a block or for everyone", () => {
    expect(check(`${base}listen 127.0.0.1:2525 plain proxy\nallow unauthenticated\n`)).toEqual(["MSA4027 listen 127.0.0.1:2525 plain proxy"]);
    const text = `${base}listen 127.0.0.1:2525 plain proxy\nlisten 127.0.0.1:2526 plain\nauth users "u"\nrequire auth\non 2525 {\n  allow unauthenticated\n}\n`;
    expect(check(text, { u: USERS_WITH_ADDRESS })).toEqual(["MSA4027 listen 127.0.0.1:2525 plain proxy"]);
  });

  it("conflicts with require auth", () => {
    const text = `${base}listen 127.0.0.1:2525 plain\nauth users "u"\nrequire auth\nallow unauthenticated\n`;
    expect(check(text, { u: USERS_WITH_ADDRESS })).toEqual(["MSA2002 allow unauthenticated"]);
  });
});

describe("repeated rules", () => {
  const loopback = `${base}listen 127.0.0.1:2525 plain\nallow unauthenticated\n`;

  it("are duplicates when they say the same and conflicts when they do not", () => {
    expect(check(`${loopback}log info\nlog info\n`)).toEqual(["MSA2001 log info"]);
    expect(check(`${loopback}log info\nlog debug\n`)).toEqual(["MSA2002 log debug"]);
    expect(check(`${loopback}qualify domains a.test\nqualify domains b.test\n`)).toEqual(["MSA2002 qualify domains b.test"]);
  });

  it("allow one login source, naming both forms when a second is of another form", () => {
    const text = `${base}listen 127.0.0.1:2525 plain\nauth users "u"\nauth dovecot "/run/dovecot/auth-client"\nrequire auth\n`;
    const result = compilePolicy("p.msa", text, hostWith({ u: USERS_WITH_ADDRESS }));
    expect(result.diagnostics.map((d) => [d.code, d.message, d.related?.[0]?.message])).toEqual([
      ["MSA2002", "`auth dovecot` conflicts with `auth users`", "`auth users` is here"],
    ]);
    // OAuth tokens stand beside the password source.
    expect(
      check(`${base}listen 127.0.0.1:2525 plain\nauth users "u"\nauth oauth introspect "https://id.example.com/introspect" audience "msa"\nrequire auth\n`, {
        u: USERS_WITH_ADDRESS,
      }),
    ).toEqual([]);
  });

  it("are named as the policy writes them, never by an internal name", () => {
    const messages = (text: string) => compilePolicy("p.msa", text, hostWith({})).diagnostics.map((d) => d.message);
    expect(messages(`${loopback}limit sessions 5\nlimit sessions 5\n`)).toEqual(["duplicate `limit sessions` rule"]);
    expect(messages(`${loopback}limit sessions per ip 5\nlimit sessions per ip 6\n`)).toEqual(["conflicting `limit sessions per ip` rules"]);
    expect(messages(`${loopback}throttle auth failures 3 per session\nthrottle auth failures 4 per session\n`)).toEqual(["conflicting `throttle auth failures` rules"]);
    expect(messages(`${loopback}observe remove header X-Mailer\n`)).toEqual(["`remove header` refuses nothing, so it cannot be observed"]);
    expect(messages(`${loopback}observe sign dkim domain example.test selector s1 key "k.pem"\n`)).toEqual(["`sign dkim` refuses nothing, so it cannot be observed"]);
    expect(messages(`${loopback}observe timeout data 5m\n`)).toEqual(["`timeout data` refuses nothing, so it cannot be observed"]);
  });

  it("refuse `observe` on `enforce senders in headers`, which `observe senders` covers", () => {
    const policy = `${loopback}auth users "u"\nsenders {\n  demo@example.test: demo@example.test\n}\nobserve enforce senders in headers\n`;
    const result = compilePolicy("p.msa", policy, hostWith({ u: USERS_WITH_ADDRESS }));
    expect(result.diagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([
      ["MSA4013", "`enforce senders in headers` cannot be observed on its own", "write `observe` in front of `senders`: that observes its header check too"],
    ]);
  });

  it("advise merging two senders blocks", () => {
    const text = `${loopback}auth users "u"\nqualify domains example.test\nsenders {\n  demo@example.test: a@example.test\n}\nsenders {\n  b: b@example.test\n}\n`;
    const result = compilePolicy("p.msa", text.replace("allow unauthenticated", "require auth"), hostWith({ u: USERS_WITH_ADDRESS }));
    expect(result.diagnostics.map((d) => [d.code, d.hint])).toEqual([["MSA2002", "merge the two blocks into one"]]);
  });
});

describe("own addresses (MSA4012)", () => {
  const policy = (extra: string) => `${base}listen 127.0.0.1:2525 plain\nauth users "u"\nrequire auth\n${extra}`;

  it("is quiet when every login is an address", () => {
    expect(check(policy("senders {\n  demo@example.test: sales@example.test\n}\nadd Sender\n"), { u: USERS_WITH_ADDRESS })).toEqual([]);
  });

  it("points at the users file when a login there has no domain", () => {
    const result = compilePolicy("p.msa", policy("add Sender\n"), hostWith({ u: USERS_WITH_BARE_LOGIN }));
    expect(result.diagnostics.map((d) => [d.code, d.file, result.sources.get(d.file)!.slice(d.span.start, d.span.end)])).toEqual([["MSA4012", "u", "demo"]]);
  });

  it("is quiet when qualify domains completes the logins", () => {
    expect(check(policy("qualify domains example.test\nadd Sender\n"), { u: USERS_WITH_BARE_LOGIN })).toEqual([]);
  });
});

describe("lints", () => {
  it("stay silent when a line did not parse, so one mistake is one diagnostic", () => {
    // Without the syntax error this policy would also draw MSA4008 (no hostname) and MSA4001.
    expect(check("hostnam msa.example.test\nlisten 587 starttls\n")).toEqual(["MSA1002 hostnam"]);
  });

  it("do not report a rule as missing when it was written with a mistake", () => {
    expect(check("hostname msa.example.test\nlisten 70000 starttls\n")).toEqual(["MSA3003 70000"]);
    expect(
      check(`${base}listen 127.0.0.1:2525 plain\nauth users "u"\nrequire auth\nqualify domains a..b\nsenders {\n  demo: demo@example.test\n}\n`, { u: USERS_WITH_BARE_LOGIN }),
    ).toEqual(["MSA3004 a..b"]);
  });

  it("judge the policy as a whole when it parsed", () => {
    expect(check("listen 127.0.0.1:2525 plain\n")).toEqual(["MSA4008 ", "MSA4006 listen 127.0.0.1:2525 plain"]);
  });
});

describe("characters", () => {
  it("names invisible characters by code point", () => {
    const result = compilePolicy("p.msa", `${base}add\u200bDate\n`, hostWith({}));
    expect(result.diagnostics[0]).toMatchObject({ code: "MSA1004", message: "unexpected character U+200B (zero-width space)" });
  });

  it("ignores a byte order mark", () => {
    expect(check(`\ufeff${base}listen 127.0.0.1:2525 plain\nallow unauthenticated\n`)).toEqual([]);
  });

  it("accepts internationalised domain names", () => {
    expect(check("hostname msa.bücher.example\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\nqualify domains bücher.example\n")).toEqual([]);
  });
});

describe("the text renderer", () => {
  it("lines the caret up under tabs and shows control characters visibly", () => {
    const text = "hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\n\tadd\tDat\r\n";
    const result = compilePolicy("p.msa", text, hostWith({}));
    const lines = renderText(result.diagnostics, result.sources).split("\n");
    expect(lines[0]).toBe("p.msa:4:6: error MSA3005: unknown header `Dat` in `add`");
    expect(lines.slice(1, 3)).toEqual(["4 | \tadd\tDat", "  | \t   \t^^^"]);
  });

  it("leaves out the hint line when there is no hint", () => {
    const result = compilePolicy("p.msa", "listen 127.0.0.1:2525 plain\nallow unauthenticated\nhostname a..b\n", hostWith({}));
    // An invalid hostname is not also a missing one.
    expect(result.diagnostics.map((d) => d.code)).toEqual(["MSA3004"]);
    expect(result.diagnostics[0]).not.toHaveProperty("hint");
    expect(renderText(result.diagnostics, result.sources)).not.toContain("help:");
  });

  it("shows files a policy names relative to the policy as it was named", () => {
    const result = compilePolicy("some/dir/p.msa", `${base}listen 127.0.0.1:2525 plain\nauth users "../users"\nrequire auth\n`, hostWith({}));
    expect(result.diagnostics.map((d) => d.hint)).toEqual(["looked for `some/users`"]);
  });
});

describe("tls ciphers and sender grants", () => {
  const plain = base + "listen 127.0.0.1:2525 plain\nallow unauthenticated\n";

  it("asks OpenSSL whether it can use the cipher list", () => {
    expect(check(plain + 'tls ciphers "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256"\n')).toEqual([]);
    expect(check(plain + 'tls ciphers "NO-SUCH-CIPHER"\n')).toEqual(['MSA3012 "NO-SUCH-CIPHER"']);
  });

  it("points at grants that `*` or an `@domain` already cover", () => {
    const users = { "users.passwd": USERS_WITH_ADDRESS };
    const policy = (grants: string) =>
      base + 'listen 127.0.0.1:2525 plain\nauth users "users.passwd"\nrequire auth\nqualify domains example.test\nsenders {\n  demo@example.test: ' + grants + "\n}\n";
    expect(check(policy("@example.test, demo@example.test"), users)).toEqual(["MSA2005 demo@example.test"]);
    expect(check(policy("*, sales@example.org"), users)).toEqual(["MSA2005 sales@example.org"]);
    expect(check(policy("@example.test, sales@example.org"), users)).toEqual([]);
  });
});

describe("senders addresses (MSA3006)", () => {
  const policy = (grants: string) =>
    base + 'listen 127.0.0.1:2525 plain\nauth users "u"\nrequire auth\nqualify domains example.test\nsenders {\n  demo@example.test: ' + grants + "\n}\n";
  const users = { u: USERS_WITH_ADDRESS };

  it("refuses what the server would refuse on the wire, with its reason", () => {
    for (const bad of ["alice@@example.test", ".alice@example.test", "alice.@example.test", "a..b@example.test", "al(ice@example.test"]) {
      const result = compilePolicy("p.msa", policy(bad), hostWith(users));
      expect(
        result.diagnostics.map((d) => [d.code, result.sources.get(d.file)!.slice(d.span.start, d.span.end)]),
        bad,
      ).toEqual([["MSA3006", bad]]);
    }
    const result = compilePolicy("p.msa", policy("alice@@example.test"), hostWith(users));
    expect(result.diagnostics[0]!.message).toBe("`alice@@example.test` is not a valid address: invalid domain label `@example`");
  });

  it("accepts the local parts that the server accepts, internationalised ones included", () => {
    expect(check(policy("jörg@example.test, o'brien+tag@example.test, demo@example.test"), users)).toEqual([]);
  });
});

describe("lints about what the policy as a whole would do", () => {
  const tls = `${base}tls certificate "c.pem" key "c.key"\n`;
  const files = { "c.pem": "", "c.key": "" };
  const codes = (text: string, extra: Record<string, string> = {}) => check(text, { ...files, u: USERS_WITH_ADDRESS, ...extra }).filter((d) => !d.startsWith("MSA5004"));

  it("warn when a STARTTLS listener takes passwords before TLS (MSA4015, MSA4016)", () => {
    const policy = (extra: string) => `${tls}listen 587 starttls\nauth users "u"\nrequire auth\n${extra}`;
    expect(codes(policy(""))).toEqual(["MSA4015 listen 587 starttls"]);
    expect(codes(policy("require tls\n"))).toEqual([]);
    expect(codes(policy("observe require tls\n"))).toEqual(["MSA4016 require tls"]);
    // Implicit TLS: there is no time before TLS.
    expect(codes(`${tls}listen 465 tls\nauth users "u"\nrequire auth\n`)).toEqual([]);
  });

  it("warn about swapped submission ports and port 25 (MSA4017, MSA4018)", () => {
    const policy = (listen: string) => `${tls}${listen}\nauth users "u"\nrequire tls\nrequire auth\n`;
    expect(codes(policy("listen 587 tls"))).toEqual(["MSA4017 listen 587 tls"]);
    expect(codes(policy("listen 465 starttls"))).toEqual(["MSA4017 listen 465 starttls"]);
    expect(codes(policy("listen 25 starttls"))).toEqual(["MSA4018 listen 25 starttls"]);
    expect(codes(policy("listen 587 starttls\nlisten 465 tls\nlisten 127.0.0.1:2587 starttls"))).toEqual([]);
  });

  it("warn when recipient limits together refuse every recipient (MSA4019)", () => {
    const policy = (limits: string) => `${base}listen 127.0.0.1:2525 plain\nallow unauthenticated\n${limits}`;
    expect(codes(policy("limit recipients to @a.test\nlimit recipients to @b.test\n"))).toEqual(["MSA4019 limit recipients to @b.test"]);
    expect(codes(policy("limit recipients to @a.test\nlimit recipients except @a.test\n"))).toEqual(["MSA4019 limit recipients except @a.test"]);
    expect(codes(policy("limit recipients to x@a.test\nlimit recipients except @a.test\n"))).toEqual(["MSA4019 limit recipients except @a.test"]);
    // Lists that share a recipient, an except list that leaves some, and scopes that never meet are fine.
    expect(codes(policy("limit recipients to @a.test\nlimit recipients to x@a.test, @b.test\n"))).toEqual([]);
    expect(codes(policy("limit recipients to @a.test, @b.test\nlimit recipients except @a.test\n"))).toEqual([]);
    expect(codes(policy("limit recipients to @a.test for alice\nlimit recipients to @b.test for bob\n"))).toEqual([]);
    expect(codes(policy("limit recipients to @a.test\nobserve limit recipients to @b.test\n"))).toEqual([]);
  });

  it("warn about `senders` logins that the users file does not have (MSA4020)", () => {
    const policy = `${base}listen 127.0.0.1:2525 plain\nauth users "u"\nrequire auth\nsenders {\n  demo@example.test: demo@example.test\n  deom@example.test: x@example.test\n}\n`;
    const result = compilePolicy("p.msa", policy, hostWith({ u: USERS_WITH_ADDRESS }));
    expect(result.diagnostics.map((d) => [d.code, d.hint])).toEqual([["MSA4020", "did you mean `demo@example.test`?"]]);
  });

  it("warn about removing Received or From (MSA4021)", () => {
    const policy = (names: string) => `${base}listen 127.0.0.1:2525 plain\nallow unauthenticated\nremove header ${names}\n`;
    expect(codes(policy("Bcc, received, From"))).toEqual(["MSA4021 received", "MSA4021 From"]);
    expect(codes(policy("Bcc, X-Originating-IP"))).toEqual([]);
  });

  it("check `refuse header`: a field name, compiled to a RefuseHeader node that may be observed", () => {
    const policy = (rule: string) => `${base}listen 127.0.0.1:2525 plain\nallow unauthenticated\n${rule}\n`;
    const bad = compilePolicy("p.msa", policy("refuse header X-Ok, Subjéct"));
    expect(bad.diagnostics.map((d) => [d.message, d.span.start])).toEqual([["`Subjéct` is not a header field name", policy("refuse header X-Ok, ").length - 1]]);
    const good = compilePolicy("p.msa", policy("observe refuse header Return-Path"));
    expect(good.diagnostics).toEqual([]);
    expect(good.graph!.stages.message.nodes).toContainEqual(expect.objectContaining({ kind: "RefuseHeader", names: ["Return-Path"], observe: true }));
  });

  it('check `with [CODE] "TEXT"`: only on refusing rules, with the rule\'s own code, in printable ASCII', () => {
    const policy = (rule: string) => `${base}listen 127.0.0.1:2525 plain\nallow unauthenticated\n${rule}\n`;
    const found = (rule: string) => compilePolicy("p.msa", policy(rule)).diagnostics.map((d) => [d.code, d.message, d.hint]);
    expect(found('limit size 10MB with 451 "later"')).toEqual([["MSA3013", "`limit size` refuses with 552, not 451", 'write `with 552 "..."`, or leave the code out']]);
    expect(found('require helo with 530 "x"')).toEqual([["MSA3013", "`require helo` refuses with 550, not 530", 'write `with 550 "..."`, or leave the code out']]);
    expect(found('workers 2 with "hello"')).toEqual([["MSA4022", "`workers` refuses nothing, so it has no reply text", "remove `with ...`"]]);
    expect(found('enforce senders in headers with "no"')[0]!.slice(0, 1)).toEqual(["MSA4022"]);
    expect(found('enforce senders in headers with "no"')[0]![2]).toBe("write `with` after `senders`: its reply is this rule's too");
    expect(found('refuse header X-A with "naïve"')).toEqual([
      ["MSA3014", "the reply text cannot be sent: `ï` is not printable ASCII", "write the text in printable ASCII, at most 400 characters"],
    ]);
    expect(found('refuse header X-A with ""')[0]![0]).toBe("MSA3014");
    expect(found(`refuse header X-A with "${"x".repeat(401)}"`)[0]![0]).toBe("MSA3014");
    const graph = compilePolicy("p.msa", policy('observe refuse header X-A with 550 "Not here"')).graph!;
    expect(graph.stages.message.nodes).toContainEqual(expect.objectContaining({ kind: "RefuseHeader", observe: true, replyText: "Not here" }));
  });

  it("check `for NAMES`: groups stand for their logins, a rule for some logins takes them from the rule for everyone", () => {
    const policy = (rules: string) => `${base}listen 127.0.0.1:2525 plain\nallow unauthenticated\n${rules}\n`;
    const graph = compilePolicy("p.msa", policy("group interns: carol, dave\nlimit size 20MB\nlimit size 10MB for interns\nlimit size 5MB for carol")).graph!;
    const sizes = graph.stages.message.nodes.filter((n) => n.kind === "LimitSize");
    expect(sizes.map((n) => [n.kind === "LimitSize" && n.bytes, n.for?.logins ?? null, n.notFor ?? null])).toEqual([
      [20_000_000, null, ["carol", "dave"]],
      [10_000_000, ["carol", "dave"], ["carol"]],
      [5_000_000, ["carol"], null],
    ]);
    expect(graph.groups).toEqual({ interns: ["carol", "dave"] });
    // `limit recipients to` has its own `for`, which takes groups too, declared above or below it.
    const restricted = compilePolicy("p.msa", policy("limit recipients to @example.com for interns, bob\ngroup interns: carol, dave")).graph!;
    expect(restricted.stages.rcpt.after.find((n) => n.kind === "RecipientsTo")).toMatchObject({ logins: ["carol", "dave", "bob"] });
    const codes = (rules: string) => compilePolicy("p.msa", policy(rules)).diagnostics.map((d) => d.code);
    expect(codes("require auth for alice")).toEqual(["MSA4024"]);
    expect(codes("workers 2 for alice")).toEqual(["MSA4024"]);
    expect(codes("refuse header X-A for @example.com")).toEqual(["MSA3012"]);
    expect(codes("limit size 1MB for bob\nlimit size 2MB for bob")).toEqual(["MSA2002"]);
  });

  it("check `matching /RE/`: RE2 patterns kept as source and flags; what RE2 cannot take is MSA3015, underlined in the pattern", () => {
    const policy = (rule: string) => `${base}listen 127.0.0.1:2525 plain\nallow unauthenticated\n${rule}\n`;
    const nodes = (rule: string) => {
      const compiled = compilePolicy("p.msa", policy(rule));
      expect(compiled.diagnostics, rule).toEqual([]);
      return compiled.graph!.stages.message.nodes;
    };
    // A `#` or a space inside the pattern is the pattern's; `\/` is a slash; the comment after it is a comment.
    expect(nodes("observe refuse header Subject, X-Spam matching /^\\[SPAM\\] #1\\/2/i   # tagged")).toContainEqual({
      kind: "RefuseHeader",
      origin: expect.anything(),
      observe: true,
      names: ["Subject", "X-Spam"],
      matching: { source: "^\\[SPAM\\] #1\\/2", flags: "i" },
    });
    expect(nodes("refuse body matching /casino/ims")).toContainEqual(expect.objectContaining({ kind: "RefuseBody", matching: { source: "casino", flags: "ims" }, bytes: 64_000 }));
    expect(nodes("refuse body matching /x/ in first 1MiB")).toContainEqual(expect.objectContaining({ kind: "RefuseBody", bytes: 1024 * 1024 }));
    expect(nodes("remove header X-Mailer matching /^Outlook/")).toContainEqual(
      expect.objectContaining({ kind: "RemoveHeaders", names: ["X-Mailer"], matching: { source: "^Outlook", flags: "" } }),
    );
    expect(nodes('replace header Subject matching /^\\[ext\\] (.*)$/ with "$1 (external)"')).toContainEqual(
      expect.objectContaining({ kind: "ReplaceHeader", names: ["Subject"], matching: { source: "^\\[ext\\] (.*)$", flags: "" }, value: "$1 (external)" }),
    );
    expect(check(policy("refuse header Subject matching /a(?<=b)/"))).toEqual(["MSA3015 (?<="]);
    expect(check(policy("refuse body matching /(a)\\1/ in first 0KB"))).toEqual(["MSA3015 \\1", "MSA3002 0KB"]);
    expect(check(policy("refuse body matching /x/ in first 64kb"))).toEqual(["MSA3001 64kb"]);
    expect(check(policy("refuse body matching /x/ in first 20MB"))).toEqual(["MSA3010 20MB"]);
    expect(check(policy("remove header X-Mailer matching /a{1001}/"))).toEqual(["MSA3015 {1001}"]);
    expect(check(policy('replace header Subject matching /(a)/ with "$2"'))).toEqual(['MSA3015 "$2"']);
    expect(check(policy('replace header Subject matching /a/ with "$$2 $0"'))).toEqual([]);
    // A pattern where a name belongs, or a rule without its pattern, is a syntax error.
    expect(check(policy("refuse header /x/"))[0]).toMatch(/^MSA1001/);
    expect(check(policy("refuse body matching"))[0]).toMatch(/^MSA1001/);
    expect(check(policy("replace header Subject matching /x/"))[0]).toMatch(/^MSA1001/);
  });

  it("check `limit hops`: a positive count, written once, observable; 100 when the policy says nothing", () => {
    const policy = (rule: string) => `${base}listen 127.0.0.1:2525 plain\nallow unauthenticated\n${rule}\n`;
    const hops = (rule: string) => compilePolicy("p.msa", policy(rule)).graph!.stages.message.nodes.find((n) => n.kind === "LimitHops");
    expect(compilePolicy("p.msa", policy("limit hops 0")).diagnostics.map((d) => [d.code, d.message])).toEqual([["MSA3002", expect.stringContaining("`0`")]]);
    expect(compilePolicy("p.msa", policy("limit hops 30\nlimit hops 40")).diagnostics.map((d) => d.code)).toEqual(["MSA2002"]);
    expect(hops("observe limit hops 30")).toMatchObject({ max: 30, observe: true, origin: { line: policy("").split("\n").length - 1 } });
    expect(hops("")).toMatchObject({ max: 100, origin: { line: 0, builtin: "limit hops 100" } });
  });

  it("check `tls protocols`: TLS 1.2 and 1.3 only, RFC 8996 named for the retired versions", () => {
    const policy = (rule: string) => `${base}listen 127.0.0.1:2525 plain\nallow unauthenticated\n${rule}\n`;
    const messages = (rule: string) => compilePolicy("p.msa", policy(rule)).diagnostics.map((d) => d.message);
    expect(messages("tls protocols TLSv1.1 TLSv1.3")).toEqual(["`TLSv1.1` is not offered: RFC 8996 retires TLS 1.0 and 1.1"]);
    expect(compilePolicy("p.msa", policy("tls protocols TLS1.3")).diagnostics.map((d) => d.hint)).toEqual(["did you mean `TLSv1.3`?"]);
    expect(compilePolicy("p.msa", policy("tls protocols tlsv1.3")).graph!.tlsProtocols).toEqual(["TLSv1.3"]);
    expect(compilePolicy("p.msa", policy("")).graph!.tlsProtocols).toEqual(["TLSv1.2", "TLSv1.3"]);
  });

  it("check `add header`: a field of the site's own, a printable value, known variables", () => {
    const policy = (rule: string) => `${base}listen 127.0.0.1:2525 plain\nallow unauthenticated\n${rule}\n`;
    const messages = (rule: string) => compilePolicy("p.msa", policy(rule)).diagnostics.map((d) => d.message);
    expect(messages('add header X-Submitted-By "{login} via {client}"')).toEqual([]);
    expect(messages('add header Received "x"')).toEqual(["`add header` may not write `Received`: the server or the author writes it"]);
    expect(messages('add header X-A "{user}"')).toEqual(["unknown variable `{user}` in the value"]);
    const graph = compilePolicy("p.msa", policy('add header X-Site "msa"')).graph!;
    expect(graph.stages.message.nodes).toContainEqual(expect.objectContaining({ kind: "AddField", name: "X-Site", value: "msa" }));
  });

  it("suggest the unit a size meant, not the nearest spelling", () => {
    const hint = (size: string) => compilePolicy("p.msa", `${base}listen 127.0.0.1:2525 plain\nallow unauthenticated\nlimit size ${size}\n`).diagnostics[0]?.hint;
    expect(hint("25M")).toBe("did you mean `25MB`?");
    expect(hint("25k")).toBe("did you mean `25KB`?");
    expect(hint("25Mi")).toBe("did you mean `25MiB`?");
    expect(hint("25mb")).toBe("did you mean `25MB`?");
  });
});

describe("on blocks", () => {
  it("refuse two values for one listener, however the blocks name it", () => {
    const text = `${base}listen 127.0.0.1:2525 plain\nallow unauthenticated\non 2525 {\n  limit size 5MB\n}\non 127.0.0.1:2525 {\n  limit size 6MB\n}\n`;
    expect(check(text)).toEqual(["MSA2002 limit size 6MB"]);
  });

  it("count a `require auth` in a block as that listener's", () => {
    const text = `${base}tls certificate "c" key "k"\nlisten 587 starttls\nauth users "u"\non 587 {\n  require tls\n  require auth\n}\n`;
    expect(check(text, { u: USERS_WITH_ADDRESS, c: "", k: "" }).filter((d) => d.startsWith("MSA40"))).toEqual([]);
  });
});

describe("add Received with tls, login and deliver relay ... xforward", () => {
  const plain = `${base}listen 127.0.0.1:2525 plain\nallow unauthenticated\n`;
  const graphOf = (text: string) => compilePolicy("p.msa", text, hostWith({ u: USERS_WITH_ADDRESS })).graph!;

  it("lowers the details of Received and the xforward of a relay into the graph", () => {
    const text = `${plain}auth users "u"\nadd Received private with login, tls\ndeliver relay smtp://127.0.0.1:2526 xforward\ndeliver from @a.example relay smtp://127.0.0.1:2527\n`;
    const graph = graphOf(text);
    expect(graph.stages.message.nodes.find((n) => n.kind === "AddHeader")).toMatchObject({ field: "Received", private: true, tls: true, login: true });
    expect(graph.deliver).toMatchObject({ kind: "Relay", relay: { xforward: true }, bySender: [{ relay: { requireTls: false } }] });
    // a hop without the word does not forward: off unless written
    expect(graph.deliver.kind === "Relay" && graph.deliver.bySender?.[0]?.relay.xforward).toBeUndefined();
    expect(graphOf(`${plain}add Received\ndeliver relay smtp://127.0.0.1:2526\n`).stages.message.nodes.find((n) => n.kind === "AddHeader")).toEqual(
      expect.not.objectContaining({ tls: true }),
    );
  });

  it("refuses an unknown detail with a suggestion, and `with` on another field", () => {
    expect(check(`${plain}add Received with tls, logn\n`)).toEqual(["MSA3012 logn"]);
    expect(check(`${plain}add Date with tls\n`)).toEqual(["MSA3012 tls"]);
    // a quoted text after `with` is still the reply text, which `add` does not take
    expect(check(`${plain}add Received with "text"\n`)).toEqual(['MSA4022 with "text"']);
  });

  it("warns when no session can have TLS or a login", () => {
    expect(check(`${plain}add Received with tls, login\n`)).toEqual(["MSA4130 tls", "MSA4131 login"]);
    expect(check(`${plain}auth users "u"\nadd Received with login\n`, { u: USERS_WITH_ADDRESS })).toEqual([]);
  });
});
