// Rate limits and AUTH throttling in `msac simulate` and `msac test`: the simulator builds the
// server's own limits (runtime/limits/serverLimits.ts) with a clock that `#advance` moves and an
// in-memory store, so a refusal names the same rule with the same reply as on the wire.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runPolicyTests } from "../../cli/policyTest.js";
import { runSimulate } from "../../cli/simulate.js";
import { compilePolicy } from "../../compiler/compile.js";
import { parseScript } from "../../tooling/simulate/script.js";
import { simulate } from "../../tooling/simulate/session.js";
import { captureIo } from "./support.js";
import { temporaryFolder } from "../support/temporaryFolder.js";

const RATES = "test/tooling/fixtures/rates.msa";
const AS_DEMO = "EHLO laptop.rates.test\n#auth demo\n";
const MESSAGE = (n: number) => `MAIL FROM:<demo>\nRCPT TO:<r${n}@example.org>\nDATA\nSubject: ${n}\n\nbody\n.\n`;

function graphOf(file: string) {
  const result = compilePolicy(file, fs.readFileSync(file, "utf8"));
  if (!result.graph) throw new Error(`${file} does not compile`);
  return result.graph;
}

async function simulateScript(script: string) {
  const io = captureIo(script);
  const status = await runSimulate(RATES, { now: "2026-01-01T12:00:00Z", trace: "decisions" }, io);
  return { status, out: io.out(), err: io.err() };
}

async function msacTest(paths: string[], options: Parameters<typeof runPolicyTests>[1] = {}) {
  const io = captureIo();
  const status = await runPolicyTests(paths, options, io);
  return { status, out: io.out(), err: io.err() };
}

describe("rate limits in msac simulate", () => {
  it("refuses the third message in an hour with 451 4.7.1 and names the rate rule", async () => {
    const result = await simulateScript(AS_DEMO + MESSAGE(1) + MESSAGE(2) + "MAIL FROM:<demo>\nQUIT\n");
    expect(result.err).toBe("");
    expect(result.out.match(/S: 250 2\.0\.0 Ok: queued/g)).toHaveLength(2);
    expect(result.out).toContain(">>> rule test/tooling/fixtures/rates.msa:9 LimitRate -> refuse (2 messages per 3600000 ms per user; retry after");
    expect(result.out).toContain("S: 451 4.7.1 rate limit exceeded, try again later");
  });

  it("takes the message again once `#advance` has moved the clock past the sliding window", async () => {
    // An hour later the previous window still weighs in (docs/limits.md), so 1h is not enough.
    const result = await simulateScript(AS_DEMO + MESSAGE(1) + MESSAGE(2) + "#advance 1h\nMAIL FROM:<demo>\nRSET\n#advance 1h\n" + MESSAGE(3) + "QUIT\n");
    expect(result.out).toContain(">>> rule test/tooling/fixtures/rates.msa:9 LimitRate -> refuse (2 messages per 3600000 ms per user; retry after 1800000 ms)");
    expect(result.out.match(/S: 451 4\.7\.1/g)).toHaveLength(1);
    expect(result.out.match(/S: 250 2\.0\.0 Ok: queued/g)).toHaveLength(3);
  });

  it("dates messages by the simulated clock that `#advance` moves", async () => {
    const graph = graphOf("test/tooling/fixtures/office.msa");
    const { steps } = parseScript("EHLO a.test\n#auth demo\n#advance 1d\n" + MESSAGE(1));
    const simulation = await simulate(graph, steps, { now: () => new Date("2026-01-01T12:00:00Z") });
    const delivered = simulation.exchanges.find((e) => e.delivered)?.delivered;
    expect(delivered?.fields.find((f) => f.name === "Received")?.value).toMatch(/Fri, 2 Jan 2026 12:00:00 \+0000$/);
  });
});

describe("AUTH throttling in msac simulate", () => {
  it("answers `#auth-fail` with 535 5.7.8 and closes the session with 421 4.7.0 at the session's failure limit", async () => {
    const result = await simulateScript("EHLO a.test\n#auth-fail demo\n#auth-fail demo\n#auth-fail demo\n");
    expect(result.out.match(/S: 535 5\.7\.8/g)).toHaveLength(2);
    expect(result.out).toContain(">>> rule test/tooling/fixtures/rates.msa:10 ThrottleAuth -> refuse");
    expect(result.out).toContain("S: 421 4.7.0 too many failed logins, closing connection");
  });

  it("treats a script that goes on after the 421 without a new connection as not run as scripted", async () => {
    const result = await simulateScript("EHLO a.test\n#auth-fail demo\n#auth-fail demo\n#auth-fail demo\nNOOP\n");
    expect(result.status).toBe(1);
    expect(result.out).toContain("!!! the script goes on after QUIT or a 421 closed the connection");
  });
});

describe("the script directives", () => {
  it("reads `#advance DURATION` with the language's durations and `#auth-fail LOGIN`", () => {
    const { steps, problems } = parseScript("#advance 90m\n#auth-fail demo\n");
    expect(problems).toEqual([]);
    expect(steps).toMatchObject([
      { kind: "advance", ms: 90 * 60_000 },
      { kind: "authFail", login: "demo" },
    ]);
  });

  it("reports a bad duration and a misspelt directive with their lines", () => {
    const { problems } = parseScript("#advance soon\n#advnace 1h\n#auth-fial demo\n");
    expect(problems).toEqual([
      { line: 1, message: "`#advance` takes a duration such as `30s`, `15m`, `1h` or `1d`, not `soon`" },
      { line: 2, message: "unknown directive `#advnace`; did you mean `#advance`? (a comment starts with `# `)" },
      { line: 3, message: "unknown directive `#auth-fial`; did you mean `#auth-fail`? (a comment starts with `# `)" },
    ]);
  });
});

describe("rate limits in msac test", () => {
  it("passes the cases of rates.msa.test that expect 451 4.7.1, 421 4.7.0 and 454 4.7.0", async () => {
    const result = await msacTest([`${RATES}.test`], { coverage: true });
    expect(result.out).not.toContain("FAIL");
    expect(result.out).toContain("3 passed, 0 failed");
    expect(result.out).toMatch(/coverage of test\/tooling\/fixtures\/rates\.msa: (\d+) of \1 rules exercised \(100%\)/);
    expect(result.status).toBe(0);
  });

  it("counts a rate rule as exercised only when a check of it ran", async () => {
    const dir = temporaryFolder("msa-test-");
    const file = path.join(dir, "unauthenticated.msa.test");
    // Without a login a `per user` rule has no subject, so nothing is checked against it.
    fs.writeFileSync(file, `policy ${path.resolve(RATES)}\ncase no login\n  EHLO x\n  MAIL FROM:<demo@rates.test>\n  expect 530 5.7.0\n`);
    const without = await msacTest([file], { coverage: true });
    const notExercised = (out: string) => out.split("not exercised by any case:")[1] ?? "";
    expect(notExercised(without.out)).toMatch(/rates\.msa:9 {2}LimitRate {2}`limit rate 2 messages per hour per user`/);
    fs.writeFileSync(file, `policy ${path.resolve(RATES)}\ncase one MAIL\n  EHLO x\n  #auth demo\n  MAIL FROM:<demo>\n  expect 250\n`);
    const checked = await msacTest([file], { coverage: true });
    expect(checked.out).toMatch(/rates\.msa:9 {2}LimitRate +1 pass/);
    expect(notExercised(checked.out)).not.toContain("LimitRate");
  });
});

describe("observe-only rate rules in msac test", () => {
  it("let the message through and meet `expect would-refuse 451 4.7.1`", async () => {
    const dir = temporaryFolder("msa-test-");
    const policy = path.join(dir, "observed.msa");
    fs.writeFileSync(
      policy,
      [
        "hostname msa.rates.test",
        "listen 127.0.0.1:2525 plain",
        `auth users "${path.resolve("policies/users.passwd")}"`,
        "require auth",
        "qualify domains rates.test",
        "observe limit rate 1 messages per hour per user",
        "deliver relay smtp://127.0.0.1:2526",
      ].join("\n") + "\n",
    );
    const second = "  MAIL FROM:<demo>\n  RCPT TO:<b@example.org>\n  DATA\n  Subject: 2\n\n  body\n  .\n";
    fs.writeFileSync(
      `${policy}.test`,
      `case the second message is over the observed rate\n  EHLO x\n  #auth demo\n${MESSAGE(1)
        .replace(/^/gm, "  ")
        .replace(/^ {2}$/gm, "")}${second}  expect 250 2.0.0\n  expect would-refuse 451 4.7.1\n`,
    );
    const result = await msacTest([`${policy}.test`], { coverage: true });
    expect(result.out).toContain("1 passed, 0 failed");
    // the second message is observed over the rate at MAIL, RCPT and the end of DATA, as the server logs it
    expect(result.out).toMatch(/observed\.msa:6 {2}LimitRate +3 pass, 3 observe/);
  });
});
