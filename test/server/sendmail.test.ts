// `msac sendmail` against a running msa with `listen local`: messages piped through it with the
// options cron, mutt and git send-email use reach the next hop as the policy shapes them; the
// login is the uid's (a second unix user, made here, is judged as itself); refusals come back
// as sysexits.h statuses. Needs dist/ (npm run build) and root (useradd, setpriv).
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MaildropListener } from "../../runtime/local/maildropListener.js";
import { MSAC } from "../support/deployedFolder.js";
import type { NextHop } from "../support/nextHop.js";
import { runProcess } from "../support/processes.js";
import { temporaryFolder } from "../support/temporaryFolder.js";
import { type RunningMsa, SUBMISSION_POLICY, startMsa, startMsaWithNextHop } from "./harness.js";

const node = process.execPath;
/** A second unix user, made for this file and removed after it. */
const USER = `msasm${process.pid}`;
let uid: number;
let hop: NextHop;
let msa: RunningMsa;
let maildrop: string;

beforeAll(async () => {
  execFileSync("useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", USER]);
  uid = Number(execFileSync("id", ["-u", USER], { encoding: "utf8" }).trim());
  ({ hop, msa } = await startMsaWithNextHop((url) => [
    ...SUBMISSION_POLICY,
    'listen local "{DIR}/maildrop"',
    "senders {",
    `  ${USER}: ${USER}@example.test, sales@example.test`,
    "}",
    "limit size 4KB",
    "add Date",
    "add Message-ID",
    "add Received",
    `deliver relay ${url}`,
  ]));
  maildrop = join(msa.dir, "maildrop");
  // The second user must reach the drop folder through the test's temporary folder.
  chmodSync(msa.dir, 0o755);
});

afterAll(() => {
  execFileSync("userdel", [USER]);
});

/** Runs `msac sendmail ARGS` with `input` on stdin, as root or (with `as`) as the second user. */
function sendmail(args: string[], input: string, as?: string) {
  const command = as ? "setpriv" : node;
  const prefix = as ? ["--reuid", as, "--regid", as, "--clear-groups", node] : [];
  return runProcess(command, [...prefix, MSAC, "sendmail", "--maildrop", maildrop, ...args], { input });
}

const CRON_MAIL = "Subject: cron output\n\nline one\n.\nnot part of the message\n";

describe("msac sendmail with sendmail's options", () => {
  it("takes recipients as arguments, ends the message at a lone dot and adds From: with -F", async () => {
    const before = hop.messages.length;
    const result = await sendmail(["-F", "Cron Daemon", "bob"], CRON_MAIL);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    const [message] = (await hop.waitForMessages(before + 1)).slice(before);
    expect(message!.mailFrom).toBe("root@example.test");
    expect(message!.rcptTo).toEqual(["bob@example.test"]);
    const raw = message!.raw.toString();
    expect(raw).toMatch(/^Received: by msa\.example\.test \(msa, from userid 0\) id\s/);
    expect(raw).toContain("\r\nFrom: Cron Daemon <root@example.test>\r\n");
    expect(raw).toMatch(/\r\nDate: .+\r\nMessage-ID: <.+@msa\.example\.test>\r\n/);
    expect(raw.endsWith("\r\n\r\nline one\r\n")).toBe(true);
  });

  it("keeps a lone dot as text with -i and with -oi", async () => {
    for (const flag of ["-i", "-oi"]) {
      const before = hop.messages.length;
      expect((await sendmail([flag, "bob@example.test"], CRON_MAIL)).code).toBe(0);
      const [message] = (await hop.waitForMessages(before + 1)).slice(before);
      expect(message!.raw.toString().endsWith("\r\nline one\r\n.\r\nnot part of the message\r\n")).toBe(true);
    }
  });

  it("reads recipients from To, Cc and Bcc with -t, adds the arguments' and takes Bcc out", async () => {
    const before = hop.messages.length;
    const input = "From: root\nTo: Ann <ann@example.net>, carl\nCc: dora@example.org\nBcc: eve@example.com\nSubject: -t\n\nbody\n";
    const result = await sendmail(["-t", "-oi", "--", "frank@example.net"], input);
    expect(result.code).toBe(0);
    const [message] = (await hop.waitForMessages(before + 1)).slice(before);
    expect([...message!.rcptTo].sort()).toEqual(["ann@example.net", "carl@example.test", "dora@example.org", "eve@example.com", "frank@example.net"]);
    const raw = message!.raw.toString();
    expect(raw).not.toMatch(/^Bcc:/im);
    expect(raw).toContain("\r\nTo: Ann <ann@example.net>, carl@example.test\r\n");
    expect(raw).toContain("\r\nFrom: root@example.test\r\n");
  });

  it("ignores the options sendmail's callers pass that mean nothing here", async () => {
    const before = hop.messages.length;
    const result = await sendmail(["-odi", "-oem", "-oee", "-om", "-v", "-B", "8BITMIME", "-N", "never", "-U", "bob"], "Subject: quiet\n\nx\n");
    expect(result).toMatchObject({ code: 0, stderr: "" });
    await hop.waitForMessages(before + 1);
  });

  it("says how it is used wrongly with EX_USAGE (64)", async () => {
    const none = await sendmail(["-oi"], "Subject: nobody\n\nx\n");
    expect(none.code).toBe(64);
    expect(none.stderr).toContain("no recipients");
    const smtp = await sendmail(["-bs"], "");
    expect(smtp.code).toBe(64);
    expect(smtp.stderr).toContain("-bs is not supported");
  });
});

describe("msac sendmail: the login is the uid's", () => {
  it("submits as the second user's login, with its own address and the ones senders grants it", async () => {
    const before = hop.messages.length;
    expect((await sendmail(["bob"], "Subject: as a user\n\nx\n", USER)).code).toBe(0);
    expect((await sendmail(["-f", "sales@example.test", "bob"], "Subject: as sales\n\nx\n", USER)).code).toBe(0);
    const [own, sales] = (await hop.waitForMessages(before + 2)).slice(before);
    expect(own!.mailFrom).toBe(`${USER}@example.test`);
    expect(own!.raw.toString()).toContain(`(msa, from userid ${uid})`);
    expect(sales!.mailFrom).toBe("sales@example.test");
    expect(msa.logs.filter((e) => e.event === "accept" && e.login === USER)).toHaveLength(2);
  });

  it("refuses the same sender to root, whose login senders does not grant it: EX_NOPERM (77), the senders line logged", async () => {
    const before = hop.mailAttempts;
    const result = await sendmail(["-f", "sales@example.test", "bob"], "Subject: as sales\n\nx\n");
    expect(result.code).toBe(77);
    expect(result.stderr).toContain("550 5.7.1");
    expect(hop.mailAttempts).toBe(before);
    const session = msa.logs.filter((e) => e.event === "local-submission" && e.login === "root").at(-1)?.session;
    expect(msa.logs.some((e) => e.event === "reject" && e.session === session && e.client === "local" && e.rule === msa.rule("senders {"))).toBe(true);
  });

  it("cannot take another user's identity from the request: a drop file hard-linked from the user's file is refused", async () => {
    // The user's own file, linked into the drop folder under a name root then asks for.
    const own = join(maildrop, "0123456789abcdef0123456789abcdef.msg");
    const elsewhere = join(temporaryFolder("msa-link-"), "message");
    writeFileSync(elsewhere, "Subject: linked\r\n\r\nx\r\n");
    execFileSync("chown", [USER, elsewhere]);
    execFileSync("ln", [elsewhere, own]);
    const request = JSON.stringify({ file: "0123456789abcdef0123456789abcdef.msg", sender: "sales@example.test", recipients: ["bob"] });
    // Not execFileSync: the server runs in this process and must answer meanwhile.
    const reply = await runProcess("python3", ["-c", SOCKET_CLIENT, join(maildrop, "submit.socket"), request]);
    expect(reply.stdout).toMatch(/^550 5\.7\.1 Drop file refused/);
  });
});

describe("the drop folder and its socket cannot be used to take another user's identity", () => {
  it("makes a missing drop folder setgid and sticky (3733), so files get its group", () => {
    expect(statSync(maildrop).mode & 0o7777).toBe(0o3733);
  });

  it("refuses a drop file born before the window (moved in from elsewhere) and logs why", async () => {
    const short = await withEnv({ MSA_MAILDROP_MAX_AGE_MS: "1000" }, () => startMsa([...SUBMISSION_POLICY, 'listen local "{DIR}/maildrop"'], { stopAfter: "test" }));
    const folder = join(short.dir, "maildrop");
    // Written somewhere else, kept past the window, then renamed in: rename keeps the birth time.
    const old = join(short.dir, "old.msg");
    writeFileSync(old, "Subject: old\r\n\r\nx\r\n", { mode: 0o640 });
    await sleep(1500);
    execFileSync("mv", [old, join(folder, "1123456789abcdef0123456789abcdef.msg")]);
    expect(await ask(folder, "1123456789abcdef0123456789abcdef.msg")).toMatch(/^550 5\.7\.1 Drop file refused/);
    const refused = short.logs.find((e) => e.event === "local-refused");
    expect(refused?.reason).toMatch(/^born \d+ s ago, more than 1 s$/);
    // A fresh one in the same folder is taken.
    writeFileSync(join(folder, "2123456789abcdef0123456789abcdef.msg"), "Subject: new\r\n\r\nx\r\n", { mode: 0o640 });
    expect(await ask(folder, "2123456789abcdef0123456789abcdef.msg")).not.toMatch(/Drop file refused/);
  });

  it("refuses a drop file other users could write into, and names the open() error of one it cannot open", async () => {
    writeFileSync(join(maildrop, "3123456789abcdef0123456789abcdef.msg"), "Subject: shared\r\n\r\nx\r\n");
    chmodSync(join(maildrop, "3123456789abcdef0123456789abcdef.msg"), 0o662);
    expect(await ask(maildrop, "3123456789abcdef0123456789abcdef.msg")).toMatch(/^550 5\.7\.1 Drop file refused/);
    expect(await ask(maildrop, "4123456789abcdef0123456789abcdef.msg")).toMatch(/^550 5\.7\.1 Drop file refused/);
    const reasons = msa.logs.filter((e) => e.event === "local-refused").map((e) => [e.file, e.reason]);
    expect(reasons).toContainEqual(["3123456789abcdef0123456789abcdef.msg", "writable by group or others"]);
    expect(reasons).toContainEqual(["4123456789abcdef0123456789abcdef.msg", "cannot open: ENOENT"]);
  });

  it("sendmail will not talk to a submit.socket another user bound, nor to a non-socket: EX_UNAVAILABLE (69), no file left", async () => {
    const folder = temporaryFolder("msa-fake-drop-");
    chmodSync(folder, 0o1777);
    // The system's python: root's PATH may lead to a copy the other user cannot run.
    const bound = await runProcess("setpriv", [
      "--reuid",
      USER,
      "--regid",
      USER,
      "--clear-groups",
      "/usr/bin/python3",
      "-c",
      "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
      join(folder, "submit.socket"),
    ]);
    expect(bound.code).toBe(0);
    const fake = await runProcess(node, [MSAC, "sendmail", "--maildrop", folder, "bob"], { input: "Subject: x\n\nx\n" });
    expect(fake.code).toBe(69);
    expect(fake.stderr).toContain(`belongs to uid ${uid}, not to the folder's owner (uid 0) or root`);
    expect(readdirSync(folder)).toEqual(["submit.socket"]);
    rmSync(join(folder, "submit.socket"));
    mkdirSync(join(folder, "submit.socket"));
    const directory = await runProcess(node, [MSAC, "sendmail", "--maildrop", folder, "bob"], { input: "Subject: x\n\nx\n" });
    expect(directory.code).toBe(69);
    expect(directory.stderr).toContain("is not a socket");
    expect(readdirSync(folder)).toEqual(["submit.socket"]);
  });

  it("the server does not start on a submit.socket that is not a socket, and says which", async () => {
    const folder = temporaryFolder("msa-bad-drop-");
    mkdirSync(join(folder, "submit.socket"));
    const lines: string[] = [];
    const log = pino({}, { write: (line: string) => lines.push(line) });
    const listener = new MaildropListener(folder, () => Promise.reject(new Error("not reached")), log);
    await expect(listener.bind()).rejects.toThrow(`${join(folder, "submit.socket")} exists and is not a socket`);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(expect.objectContaining({ event: "listener-error", path: join(folder, "submit.socket") }));
    expect(statSync(join(folder, "submit.socket")).isDirectory()).toBe(true);
  });
});

describe("the local socket's limits", () => {
  it("closes a connection that names no file within the idle time", async () => {
    const short = await withEnv({ MSA_MAILDROP_IDLE_MS: "300" }, () => startMsa([...SUBMISSION_POLICY, 'listen local "{DIR}/maildrop"'], { stopAfter: "test" }));
    const idle = net.createConnection(join(short.dir, "maildrop", "submit.socket"));
    idle.on("error", () => undefined);
    await new Promise((resolve) => idle.once("close", resolve));
    expect(idle.bytesRead).toBe(0);
  });

  it("serves at most 64 connections at once: the 65th is closed unanswered", async () => {
    const open: net.Socket[] = [];
    const connect = () =>
      new Promise<net.Socket>((resolve) => {
        const socket = net.createConnection(join(maildrop, "submit.socket"), () => resolve(socket));
        socket.on("error", () => undefined);
      });
    for (let i = 0; i < 64; i++) open.push(await connect());
    const extra = await connect();
    let answer = "";
    extra.on("data", (chunk: Buffer) => {
      answer += chunk.toString();
    });
    extra.write("not a request\n");
    await new Promise((resolve) => extra.once("close", resolve));
    expect(answer).toBe("");
    for (const socket of open) socket.destroy();
    // Once they are gone, a request is answered again.
    let reply = "";
    for (let attempt = 0; attempt < 50 && reply === ""; attempt++) {
      reply = await ask(maildrop, "5123456789abcdef0123456789abcdef.msg").catch(() => "");
      if (reply === "") await sleep(100);
    }
    expect(reply).toMatch(/^550 5\.7\.1 Drop file refused/);
  });
});

describe("msac sendmail: refusals and failures as sysexits.h statuses", () => {
  it("gives EX_DATAERR (65) for a message over `limit size`", async () => {
    const result = await sendmail(["bob"], `Subject: big\n\n${"x".repeat(70)}\n`.repeat(80));
    expect(result.code).toBe(65);
    expect(result.stderr).toContain("552 5.3.4");
  });

  it("gives EX_TEMPFAIL (75) when no msa listens on the drop folder, and leaves no file behind", async () => {
    const idle = temporaryFolder("msa-idle-drop-");
    const result = await runProcess(node, [MSAC, "sendmail", "--maildrop", idle, "bob"], { input: "Subject: x\n\nx\n" });
    expect(result.code).toBe(75);
    expect(result.stderr).toContain("msa is not running");
    expect(execFileSync("ls", ["-A", idle], { encoding: "utf8" })).toBe("");
  });

  it("gives EX_CONFIG (78) when the drop folder does not exist", async () => {
    const result = await runProcess(node, [MSAC, "sendmail", "--maildrop", join(msa.dir, "nowhere"), "bob"], { input: "Subject: x\n\nx\n" });
    expect(result.code).toBe(78);
  });
});

describe("mail programs configured with msac sendmail", () => {
  it("mutt in batch mode sends through it", async () => {
    const home = temporaryFolder("msa-mutt-");
    writeFileSync(
      join(home, "muttrc"),
      [`set sendmail="${node} ${MSAC} sendmail --maildrop ${maildrop}"`, 'set record=""', 'set realname="Mutt User"', "set use_from=yes", 'set from="root@example.test"'].join(
        "\n",
      ),
    );
    const before = hop.messages.length;
    const result = await runProcess("mutt", ["-n", "-F", join(home, "muttrc"), "-s", "from mutt", "--", "bob@example.test"], { input: "hello from mutt\n", env: { HOME: home } });
    expect(result.code).toBe(0);
    const [message] = (await hop.waitForMessages(before + 1)).slice(before);
    expect(message!.raw.toString()).toMatch(/\r\nFrom: Mutt User <root@example\.test>\r\n[\s\S]*\r\nSubject: from mutt\r\n[\s\S]*hello from mutt\r\n$/);
  });

  it("git send-email --sendmail-cmd sends a patch through it", async () => {
    const repo = temporaryFolder("msa-git-");
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=Git User", "-c", "user.email=root@example.test", ...args], { cwd: repo, encoding: "utf8" });
    git("init", "-q");
    writeFileSync(join(repo, "README"), "a line\n");
    git("add", "README");
    git("commit", "-qm", "add a README");
    mkdirSync(join(repo, "patches"));
    git("format-patch", "-1", "-o", "patches");
    const before = hop.messages.length;
    // Not execFileSync: the server runs in this process and must answer meanwhile.
    const sent = await runProcess(
      "git",
      [
        "send-email",
        `--sendmail-cmd=${node} ${MSAC} sendmail --maildrop ${maildrop}`,
        "--to=bob@example.test",
        "--from=Git User <root@example.test>",
        "--confirm=never",
        "--suppress-cc=all",
        "--no-validate",
        "patches",
      ],
      { cwd: repo },
    );
    expect(sent.code).toBe(0);
    const [message] = (await hop.waitForMessages(before + 1)).slice(before);
    expect(message!.rcptTo).toEqual(["bob@example.test"]);
    expect(message!.raw.toString()).toContain("\r\nSubject: [PATCH] add a README\r\n");
  });
});

/** Runs `start` with `env` set in this process's environment (the server reads it as it starts). */
async function withEnv<T>(env: Record<string, string>, start: () => Promise<T>): Promise<T> {
  Object.assign(process.env, env);
  try {
    return await start();
  } finally {
    for (const name of Object.keys(env)) delete process.env[name];
  }
}

/** Names `file` on the folder's socket as any local program can; the server's reply line. */
async function ask(folder: string, file: string): Promise<string> {
  const request = JSON.stringify({ file, sender: "", recipients: ["bob"] });
  return (await runProcess("python3", ["-c", SOCKET_CLIENT, join(folder, "submit.socket"), request])).stdout;
}

/** A unix-socket client that sends one request line and prints the reply (any local program can). */
const SOCKET_CLIENT = `
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\\n")
print(s.makefile().readline(), end="")
`;
