// `npm run build && node dist/bench/dovecotLogins.js`: logins per second checked by a real Dovecot
// (dovecot-core, a passwd-file passdb of SHA512-CRYPT hashes, started here in a temporary folder):
// (1) msa's Dovecot client alone, many requests in flight on its one connection; (2) through msa
// over the wire, each login a session of its own (connect, EHLO, AUTH PLAIN, QUIT) on a plain
// loopback listener, so that TLS does not hide what the login costs. Median of rounds with the spread.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { DovecotAuthClient } from "../runtime/auth/dovecotAuthClient.js";
import { freePort, msacPath, startNode, waitForPort } from "./processes.js";
import { formatSummary, summarize } from "./stats.js";
const ROUNDS = 5;
const CLIENT_LOGINS = 2000;
const CLIENT_IN_FLIGHT = 16;
const WIRE_LOGINS = 300;
const WIRE_CLIENTS = 8;
const LOGIN = "alice@example.test";
const PASSWORD = "alice-pw";
async function main() {
    const dir = mkdtempSync(path.join(tmpdir(), "msa-bench-dovecot-"));
    chmodSync(dir, 0o755);
    const hash = execFileSync("doveadm", ["-c", "/dev/null", "pw", "-s", "SHA512-CRYPT", "-p", PASSWORD], { encoding: "utf8" }).trim();
    writeFileSync(path.join(dir, "users"), `${LOGIN}:${hash}::::::\n`);
    const socketPath = path.join(dir, "run", "auth-client");
    writeFileSync(path.join(dir, "dovecot.conf"), [
        `base_dir = ${path.join(dir, "run")}`,
        `state_dir = ${path.join(dir, "state")}`,
        `log_path = ${path.join(dir, "dovecot.log")}`,
        "protocols =",
        "default_internal_user = dovecot",
        "default_login_user = dovenull",
        "auth_mechanisms = plain login",
        "ssl = no",
        `passdb {\n  driver = passwd-file\n  args = scheme=SHA512-CRYPT ${path.join(dir, "users")}\n}`,
        "userdb {\n  driver = static\n  args = uid=nobody gid=nogroup home=/nonexistent\n}",
        "service auth {\n  unix_listener auth-client {\n    mode = 0666\n  }\n}",
    ].join("\n") + "\n");
    const dovecot = spawn("dovecot", ["-c", path.join(dir, "dovecot.conf"), "-F"], { stdio: "ignore" });
    let msa;
    try {
        await waitFor(() => accepts({ path: socketPath }));
        const client = new DovecotAuthClient({ kind: "unix", path: socketPath }, { timeoutMs: 30_000 });
        const direct = [];
        for (let round = 0; round < ROUNDS; round++)
            direct.push(await loginsPerSecond(CLIENT_LOGINS, CLIENT_IN_FLIGHT, () => clientLogin(client)));
        await client.close();
        const port = await freePort();
        const policy = path.join(dir, "bench.msa");
        writeFileSync(policy, ["hostname msa.example.test", `listen 127.0.0.1:${port} plain`, `auth dovecot "${socketPath}"`, "require auth", "log errors", ""].join("\n"));
        msa = startNode([msacPath, "serve", policy]);
        await waitForPort(port, msa);
        const wire = [];
        for (let round = 0; round < ROUNDS; round++)
            wire.push(await loginsPerSecond(WIRE_LOGINS, WIRE_CLIENTS, () => smtpLogin(port)));
        process.stdout.write([
            `Dovecot ${execFileSync("dovecot", ["--version"], { encoding: "utf8" }).trim()}, passwd-file passdb, SHA512-CRYPT; median (min-max) of ${ROUNDS} rounds`,
            `msa's Dovecot client alone, ${CLIENT_IN_FLIGHT} requests in flight on one connection: ${formatSummary(summarize(direct))} logins/s`,
            `through msa, one session per login (connect, EHLO, AUTH PLAIN, QUIT), ${WIRE_CLIENTS} clients at once: ${formatSummary(summarize(wire))} logins/s`,
            "",
        ].join("\n"));
    }
    finally {
        await msa?.stop();
        for (const child of childrenOf(dovecot.pid))
            process.kill(child, "SIGTERM");
        dovecot.kill("SIGTERM");
        await new Promise((resolve) => dovecot.once("exit", resolve));
        rmSync(dir, { recursive: true, force: true });
    }
}
async function clientLogin(client) {
    const answer = await client.authenticate({ login: LOGIN, password: PASSWORD, remoteAddress: "127.0.0.1", localAddress: "127.0.0.1", secured: true });
    if (answer.kind !== "ok")
        throw new Error(`Dovecot did not accept the login: ${JSON.stringify(answer)}`);
}
/** One session: greeting, EHLO, AUTH PLAIN (must be 235), QUIT. */
function smtpLogin(port) {
    return new Promise((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port });
        const commands = ["EHLO bench.example", `AUTH PLAIN ${Buffer.from(`\0${LOGIN}\0${PASSWORD}`).toString("base64")}`, "QUIT"];
        let buffered = "";
        socket.setEncoding("utf8");
        socket.on("data", (chunk) => {
            buffered += chunk;
            let end;
            while ((end = buffered.indexOf("\r\n")) >= 0) {
                const line = buffered.slice(0, end);
                buffered = buffered.slice(end + 2);
                if (line[3] === "-")
                    continue;
                const command = commands.shift();
                if (line.startsWith("5") || line.startsWith("4"))
                    return socket.destroy(new Error(`msa answered ${line}`));
                if (command)
                    socket.write(`${command}\r\n`);
            }
        });
        socket.once("error", reject);
        socket.once("close", () => (commands.length === 0 ? resolve() : reject(new Error("msa closed the session early"))));
    });
}
/** Runs `total` logins, `parallel` at a time; logins per second. */
async function loginsPerSecond(total, parallel, login) {
    let started = 0;
    const began = process.hrtime.bigint();
    const worker = async () => {
        while (started < total) {
            started++;
            await login();
        }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    return total / (Number(process.hrtime.bigint() - began) / 1e9);
}
function accepts(where) {
    return new Promise((resolve) => {
        const socket = connect(where, () => {
            socket.destroy();
            resolve(true);
        });
        socket.once("error", () => resolve(false));
    });
}
async function waitFor(condition, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
        if (Date.now() > deadline)
            throw new Error(`Dovecot did not start within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}
/** The processes Dovecot's master started (its services): stopped with it, as systemd stops the unit. */
function childrenOf(pid) {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
        .split("\n")
        .map((line) => Number(line.trim()))
        .filter((child) => child > 0);
}
main().then(() => process.exit(0), (error) => {
    process.stderr.write(`bench: ${error.stack ?? String(error)}\n`);
    process.exit(1);
});
//# sourceMappingURL=dovecotLogins.js.map