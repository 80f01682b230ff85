// `msac analyze` and `msac simulate` with `allow unauthenticated from`: the relay proof still holds
// for every other client and names each trusted network (public ones marked) with the senders it
// may use, and the printed `msac simulate --from` command plays a client of that network.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runAnalyze } from "../../cli/analyze.js";
import { runSimulate } from "../../cli/simulate.js";
import { captureIo } from "./support.js";
import { temporaryFolder } from "../support/temporaryFolder.js";

const USERS = path.resolve("policies/users.passwd");

function tempPolicy(lines: string[]): string {
  const dir = temporaryFolder("msa-trusted-");
  const file = path.join(dir, "trusted.msa");
  fs.writeFileSync(file, `${lines.join("\n").replaceAll("USERS", USERS)}\n`);
  return file;
}

const LINES = [
  "hostname msa.example.test",
  "listen 127.0.0.1:2525 plain",
  'auth users "USERS"',
  "require auth",
  "qualify domains example.test",
  "allow unauthenticated from 10.1.0.0/16, fd00:1::/32 as @printers.example.test, scanner@example.test",
  "allow unauthenticated from public 203.0.114.7 as *",
];

interface RelayProperty {
  id: string;
  status: string;
  findings: unknown[];
  exceptions?: { rule: string; explanation: string; simulate: string }[];
}

describe("trusted networks in analyze and simulate", () => {
  it("proves no other unauthenticated client relays and names each trusted network with its senders", () => {
    const file = tempPolicy(LINES);
    const io = captureIo();
    runAnalyze(file, { json: true }, io);
    const relay = (JSON.parse(io.out()) as { properties: RelayProperty[] }).properties.find((p) => p.id === "a")!;
    expect(relay.status).toBe("proved");
    expect(relay.findings).toEqual([]);
    expect(relay.exceptions!.map((e) => [e.rule, e.explanation])).toEqual([
      [
        `${file}:6`,
        "clients in 10.1.0.0/16, fd00:1::/32 send without authentication to any domain, as @printers.example.test, scanner@example.test (`allow unauthenticated from`)",
      ],
      [`${file}:7`, "clients in 203.0.114.7/32 (public) send without authentication to any domain, as any sender (`allow unauthenticated from`)"],
    ]);
    expect(relay.exceptions![0]!.simulate).toContain("--from 10.1.0.1 ");
  });

  it("says so in the text report, under the proved claim", () => {
    const file = tempPolicy(LINES);
    const io = captureIo();
    runAnalyze(file, {}, io);
    expect(io.out()).toContain(
      `proved: (a) no unauthenticated client can relay to a non-local domain\n  ${file}:6: except: clients in 10.1.0.0/16, fd00:1::/32 send without authentication`,
    );
  });

  it("simulates a client inside and outside a trusted network with --from", async () => {
    const file = tempPolicy(LINES);
    const play = async (from: string) => {
      const io = captureIo();
      await runSimulate(file, { listener: "127.0.0.1:2525", from, mailFrom: "scanner", rcpt: ["anyone@elsewhere.example"], trace: "all" }, io);
      return io.out();
    };
    const inside = await play("10.1.200.3");
    expect(inside).toContain("RCPT TO:<anyone@elsewhere.example>: accepted");
    expect(inside).toContain(`rule ${file}:6 RequireAuth -> pass (client 10.1.200.3 is in trusted network 10.1.0.0/16)`);
    const outside = await play("10.2.0.1");
    expect(outside).toContain("MAIL FROM:<scanner>: refused, 530 5.7.0");
  });
});
