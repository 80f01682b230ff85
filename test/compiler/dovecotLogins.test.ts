// `auth dovecot` in the compiler: the sockets it takes (a path resolved against the policy's folder,
// `inet:HOST:PORT` with IPv4, [IPv6] or a name), the timeout, what it refuses and warns about, and
// the rule printed back from the graph.
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import { printLogins } from "../../compiler/rules/auth.js";

const FILE = "/etc/msa/policy.msa";
const compile = (authLine: string) => compilePolicy(FILE, ["hostname msa.example.test", "listen 127.0.0.1:2525 plain", authLine, "require auth", ""].join("\n"), null);
const codesOf = (authLine: string) => compile(authLine).diagnostics.map((d) => `${d.code} ${d.message}`);

describe("auth dovecot", () => {
  it("resolves a socket path against the policy's folder and waits 10 s by default, as Postfix does", () => {
    expect(compile('auth dovecot "run/auth-client"').graph?.logins).toMatchObject({
      kind: "dovecot",
      endpoint: { kind: "unix", path: "/etc/msa/run/auth-client" },
      timeoutMs: 10_000,
    });
  });

  it("takes inet:HOST:PORT with an IPv4 address, [IPv6] or a host name, and a timeout", () => {
    expect(compile('auth dovecot "inet:127.0.0.1:12345" timeout 3s').graph?.logins).toMatchObject({ endpoint: { kind: "inet", host: "127.0.0.1", port: 12345 }, timeoutMs: 3000 });
    expect(compile('auth dovecot "inet:[::1]:12345"').graph?.logins).toMatchObject({ endpoint: { kind: "inet", host: "::1", port: 12345 } });
    expect(compile('auth dovecot "inet:localhost:12345"').graph?.logins).toMatchObject({ endpoint: { kind: "inet", host: "localhost", port: 12345 } });
    expect(codesOf('auth dovecot "inet:localhost:12345"')).toEqual([]);
  });

  it("refuses an inet: socket without a port, with a port out of range or a host that is none", () => {
    for (const socket of ["inet:127.0.0.1", "inet:127.0.0.1:0", "inet:127.0.0.1:70000", "inet:[zz]:1", "inet:bad_host!:1", ""]) {
      expect(
        codesOf(`auth dovecot "${socket}"`).map((line) => line.slice(0, 7)),
        socket,
      ).toEqual(["MSA3160"]);
    }
  });

  it("warns when passwords would cross the network to Dovecot, and compiles all the same", () => {
    const result = compile('auth dovecot "inet:192.0.2.10:12345"');
    expect(result.diagnostics.map((d) => d.code)).toEqual(["MSA4160"]);
    expect(result.graph?.logins).toMatchObject({ endpoint: { kind: "inet", host: "192.0.2.10" } });
  });

  it("refuses a timeout that is no duration", () => {
    expect(codesOf('auth dovecot "/run/dovecot/auth-client" timeout 0s').map((line) => line.slice(0, 7))).toEqual(["MSA3011"]);
  });

  it("prints back the rule it was compiled from", () => {
    const at = { path: (resolved: string) => resolved.replace("/etc/msa/", "") };
    for (const line of ['auth dovecot "run/auth-client"', 'auth dovecot "inet:[::1]:12345" timeout 3s', 'auth dovecot "inet:127.0.0.1:12345"']) {
      expect(printLogins(compile(line).graph!.logins!, at)).toBe(line);
    }
  });
});
