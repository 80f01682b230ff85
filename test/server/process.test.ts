// `msac serve` as a process: JSON log lines on stdout, graceful SIGTERM (exit 0, the session in flight finishes), exit 1 with diagnostics and nothing listening for a broken policy, and `serve --compiled` from another working directory.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MSAC, makeDeployedFolder } from "../support/deployedFolder.js";
import { freePort } from "../support/freePort.js";
import { runProcess, startProcess } from "../support/processes.js";
import { rawSmtp } from "../support/smtplib.js";
import { authPlain, codes } from "./harness.js";

const node = process.execPath;
let dir: string;

beforeAll(async () => {
  dir = await makeDeployedFolder("msa-process-");
}, 150_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function policyFile(name: string, port: number, extra: string[] = []): Promise<string> {
  const file = join(dir, name);
  await writeFile(
    file,
    [
      "hostname msa.example.test",
      'tls certificate "certs/server.pem" key "certs/server.key"',
      `listen 127.0.0.1:${port} plain`,
      'auth users "users.passwd"',
      "require auth",
      "qualify domains example.test",
      "add Received",
      "log info",
      ...extra,
    ].join("\n") + "\n",
  );
  return file;
}

/** A line-by-line SMTP client for holding a session open across a signal. */
class LineClient {
  private buffer = "";
  private waiting: ((line: string) => void)[] = [];
  private lines: string[] = [];
  constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf("\r\n")) >= 0) {
        const line = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        if (/^\d{3}-/.test(line)) continue;
        const waiter = this.waiting.shift();
        if (waiter) waiter(line);
        else this.lines.push(line);
      }
    });
  }
  static open(port: number): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port }, () => resolve(new LineClient(socket)));
      socket.once("error", reject);
    });
  }
  reply(): Promise<string> {
    const line = this.lines.shift();
    return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => this.waiting.push(resolve));
  }
  send(text: string): void {
    this.socket.write(text);
  }
  async command(text: string): Promise<string> {
    this.socket.write(text);
    return this.reply();
  }
  close() {
    this.socket.destroy();
  }
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

describe("msac serve FILE", () => {
  it("logs JSON lines, and on SIGTERM stops accepting, lets the session in flight finish, exits 0", async () => {
    const port = await freePort();
    const file = await policyFile("serve.msa", port, ['deliver spool "spool-serve"']);
    const msa = startProcess(node, [MSAC, "serve", file]);
    await msa.waitForLine((l) => l.json?.event === "listening", 15_000);

    const client = await LineClient.open(port);
    expect(await client.reply()).toMatch(/^220 /);
    expect(await client.command("EHLO client.example\r\n")).toMatch(/^250 /);
    expect(codes(await client.command(authPlain("alice", "alice-pw") + "\r\n"))).toBe("235 2.7.0");
    expect(await client.command("MAIL FROM:<alice>\r\n")).toMatch(/^250 /);
    expect(await client.command("RCPT TO:<bob>\r\n")).toMatch(/^250 /);
    expect(await client.command("DATA\r\n")).toMatch(/^354 /);
    client.send("Subject: in flight\r\n\r\nstarted before SIGTERM\r\n");

    msa.child.kill("SIGTERM");
    await msa.waitForLine((l) => l.json?.event === "stopping", 5000);
    await expect.poll(() => refusesConnections(port), { timeout: 5000 }).toBe(true);
    expect(msa.exitCode).toBeNull();

    const done = await client.command("finished after SIGTERM\r\n.\r\n");
    expect(codes(done)).toBe("250 2.0.0");
    await client.command("QUIT\r\n");
    client.close();
    expect(await msa.waitForExit(10_000)).toBe(0);

    expect(await readdir(join(dir, "spool-serve", "new"))).toHaveLength(1);
    // every stdout line is one JSON object
    expect(msa.lines.length).toBeGreaterThan(0);
    for (const line of msa.lines) expect(line.json, line.text).toBeDefined();
    const events = msa.lines.map((l) => l.json!.event);
    expect(events).toEqual(expect.arrayContaining(["listening", "connect", "auth", "accept", "stopping", "stopped"]));
    const accept = msa.lines.find((l) => l.json!.event === "accept")!.json!;
    expect(accept).toMatchObject({ login: "alice", recipients: 1 });
    expect(typeof accept.queueId).toBe("string");
  });

  it("stops gracefully, exit 0, on a SIGTERM sent the moment it logs that it listens", async () => {
    // metrics and a store-and-forward queue start after the listeners: the signal lands while they do
    for (let round = 0; round < 3; round++) {
      const port = await freePort();
      const extra = [`metrics listen 127.0.0.1:${await freePort()}`, 'deliver spool "spool" relay smtp://127.0.0.1:9'];
      const msa = startProcess(node, [MSAC, "serve", await policyFile(`early-stop-${round}.msa`, port, extra)], { cwd: dir });
      await msa.waitForLine((l) => l.json?.event === "listening", 15_000);
      // a failure shows what the server logged (an exit 143, killed by SIGTERM, was seen once in a full run)
      const status = await msa.stop();
      expect(status, `round ${round}: exit ${status}\nstdout:\n${msa.stdout}\nstderr:\n${msa.stderr}`).toBe(0);
    }
  });

  it("logs a rejection with rule = FILE:LINE", async () => {
    const port = await freePort();
    const file = await policyFile("reject.msa", port, ['deliver spool "spool-reject"']);
    const msa = startProcess(node, [MSAC, "serve", file]);
    await msa.waitForLine((l) => l.json?.event === "listening", 15_000);
    const replies = await rawSmtp(port, ["EHLO c", "MAIL FROM:<alice>"]);
    expect(codes(replies[2])).toBe("530 5.7.0");
    const reject = await msa.waitForLine((l) => l.json?.event === "reject", 5000);
    expect(reject.json).toMatchObject({ code: 530, enhanced: "5.7.0", rule: `${file}:5` });
    expect(await msa.stop("SIGINT")).toBe(0);
  });

  it("exits 1 with diagnostics and listens on nothing when the policy has errors", async () => {
    const port = await freePort();
    const file = await policyFile("broken.msa", port, ["limit size 10XB"]);
    const msa = startProcess(node, [MSAC, "serve", file]);
    expect(await msa.waitForExit(15_000)).toBe(1);
    expect(msa.stdout + msa.stderr).toMatch(/broken\.msa:9:\d+: error MSA\d{4}: /);
    expect(await refusesConnections(port)).toBe(true);
  });
});

describe("msac serve --compiled", () => {
  it("serves a compiled graph from another working directory, with paths resolved at compile time", async () => {
    const port = await freePort();
    await policyFile("compiled.msa", port, ['deliver spool "spool-compiled"']);
    const out = join(dir, "compiled.json");
    const compiled = await runProcess(node, [MSAC, "compile", "compiled.msa", "-o", out], { cwd: dir });
    expect(compiled.code).toBe(0);
    const elsewhere = await mkdtemp(join(tmpdir(), "msa-elsewhere-"));
    try {
      const msa = startProcess(node, [MSAC, "serve", "--compiled", out], { cwd: elsewhere });
      await msa.waitForLine((l) => l.json?.event === "listening", 15_000);
      const replies = await rawSmtp(port, ["EHLO c", authPlain("alice", "alice-pw"), "MAIL FROM:<alice>", "RCPT TO:<bob>", "DATA", Buffer.from("Subject: x\r\n\r\ny\r\n.\r\n")]);
      expect(replies.slice(2).map(codes)).toEqual(["235 2.7.0", "250 2.1.0", "250 2.1.5", codes(replies[5]), "250 2.0.0"]);
      expect(replies[5]).toMatch(/^354 /);
      expect(await msa.stop()).toBe(0);
      expect(await readdir(join(dir, "spool-compiled", "new"))).toHaveLength(1);
      expect(await readdir(elsewhere)).toEqual([]);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});
