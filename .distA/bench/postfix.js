// Postfix, when it is installed: the same wire load as the msa rows (same messages, same
// clients, STARTTLS + AUTH PLAIN as the bench login) against a private Postfix instance
// (bench/postfixInstance.ts) configured to the nearest equivalent of the bench policy and
// relaying to the same sink, interleaved round by round with msa-spool (Postfix always
// queues, so msa-spool is the fair comparison). Postfix's own smtp-source, when present,
// is a second, independent load generator for the unauthenticated case, against a plain
// Postfix smtpd (permit_mynetworks) and a plain msa listener (`allow unauthenticated`).
// Never fails because Postfix is missing: the status then says so.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { BENCH_DOMAIN, BENCH_LOGIN, BENCH_PASSWORD, wirePolicy } from "./benchPolicy.js";
import { runLoad } from "./load.js";
import { generateMessages } from "./messages.js";
import { startPostfixInstance } from "./postfixInstance.js";
import { freePort, msacPath, startNode, waitForPort } from "./processes.js";
import { ratio, summarize } from "./stats.js";
import { loadFigures, runRounds, serverNodeArguments } from "./wire.js";
function which(command, fallbacks) {
    try {
        const found = execFileSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim();
        if (found)
            return found;
    }
    catch {
        // not on PATH
    }
    return fallbacks.find((candidate) => fs.existsSync(candidate));
}
export function detectPostfix() {
    const path = which("postfix", ["/usr/sbin/postfix", "/usr/local/sbin/postfix"]);
    if (!path)
        return { installed: false, note: "postfix: not installed (see bench/README.md)" };
    const smtpSource = which("smtp-source", ["/usr/sbin/smtp-source", "/usr/local/sbin/smtp-source"]);
    return {
        installed: true,
        path,
        ...(smtpSource ? { smtpSource } : {}),
        note: `postfix: found at ${path}${smtpSource ? `, smtp-source at ${smtpSource}` : ""}`,
    };
}
async function startMsa(workDir, tag, policy, port) {
    const policyFile = path.join(workDir, `postfix-cmp-${tag}.msa`);
    fs.writeFileSync(policyFile, policy);
    const child = startNode([...serverNodeArguments(), msacPath, "serve", policyFile]);
    await waitForPort(port, child);
    return child;
}
/** The unauthenticated msa for smtp-source: plain loopback listener, spooling, same rules otherwise. */
function plainMsaPolicy(port, spool) {
    return [
        "hostname msa.bench.test",
        `listen 127.0.0.1:${port} plain`,
        "allow unauthenticated",
        `qualify domains ${BENCH_DOMAIN}`,
        "enforce address syntax",
        "limit size 10MB",
        "limit recipients 50",
        "add Date",
        "add Message-ID",
        "add Received",
        "log errors",
        `deliver spool ${JSON.stringify(spool)}`,
        "",
    ].join("\n");
}
/**
 * Runs the comparison; returns `status` with the rows filled in. A Postfix instance that
 * cannot start (not root, no saslpasswd2) is reported in the note, not thrown.
 */
export async function runPostfixComparison(status, options, progress = () => undefined) {
    if (!status.installed || !status.path)
        return status;
    fs.mkdirSync(options.workDir, { recursive: true });
    let instance;
    try {
        instance = await startPostfixInstance({ postfix: status.path, certificate: options.certificate, key: options.key, sinkPort: options.sinkPort });
    }
    catch (error) {
        return { ...status, note: `${status.note}; could not start a private instance: ${error.message.split("\n")[0]}` };
    }
    try {
        progress(`postfix: private instance in ${instance.dir}, submission on 127.0.0.1:${instance.submissionPort}, plain on ${instance.plainPort}`);
        const wire = await compareWire(instance, options);
        const smtpSourceRuns = status.smtpSource ? await compareSmtpSource(status.smtpSource, instance, options, progress) : undefined;
        const note = `${status.note}; private instance (STARTTLS + cyrus sasldb AUTH, relay to the bench sink) measured against msa-spool${status.smtpSource ? "; smtp-source against plain listeners" : "; smtp-source not found"}`;
        return { ...status, note, wire, ...(smtpSourceRuns ? { smtpSourceRuns } : {}) };
    }
    finally {
        await instance.stop();
    }
}
async function compareWire(instance, options) {
    const warmup = generateMessages(options.warmup, `${BENCH_LOGIN}@${BENCH_DOMAIN}`, BENCH_DOMAIN, 1);
    const rows = [];
    for (const style of options.styles) {
        const messages = generateMessages(options.messagesPerStyle[style], `${BENCH_LOGIN}@${BENCH_DOMAIN}`, BENCH_DOMAIN);
        const msaPort = await freePort();
        const spool = path.join(options.workDir, `postfix-cmp-spool-${style}`);
        const msa = await startMsa(options.workDir, style, wirePolicy({ port: msaPort, certificate: options.certificate, key: options.key, usersFile: options.usersFile, delivery: { kind: "spool", dir: spool } }), msaPort);
        try {
            const servers = [
                { kind: "postfix", port: instance.submissionPort },
                { kind: "msa-spool", port: msaPort, child: msa },
            ];
            const load = (server, list) => runLoad({ port: server.port, style, concurrency: options.concurrency, messages: list, login: BENCH_LOGIN, password: BENCH_PASSWORD });
            for (const server of servers)
                if (warmup.length)
                    await load(server, warmup);
            const results = await runRounds(servers, options.rounds, (server) => load(server, messages));
            const styleRows = servers.map((server) => ({
                ...loadFigures(results.get(server), style, messages.length, options.concurrency),
                server: server.kind,
                ratioVsPostfix: Number.NaN,
            }));
            const postfix = styleRows.find((row) => row.server === "postfix");
            for (const row of styleRows)
                row.ratioVsPostfix = ratio(row.msgsPerSecond.median, postfix.msgsPerSecond.median);
            rows.push(...styleRows);
        }
        finally {
            await msa.stop();
        }
    }
    return rows;
}
/** One smtp-source run; its wall clock, from spawn to exit. */
function runSmtpSource(binary, args) {
    return new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (chunk) => {
            if (stderr.length < 100_000)
                stderr += chunk.toString();
        });
        const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
        child.once("error", reject);
        child.once("close", (code) => {
            clearTimeout(timer);
            resolve({ seconds: Number(process.hrtime.bigint() - started) / 1e9, code, stderr });
        });
    });
}
async function compareSmtpSource(binary, instance, options, progress) {
    const messages = options.messagesPerStyle.app;
    const sessions = options.concurrency;
    const messageBytes = options.smtpSourceBytes ?? 20_000;
    const msaPort = await freePort();
    const msa = await startMsa(options.workDir, "plain", plainMsaPolicy(msaPort, path.join(options.workDir, "postfix-cmp-spool-plain")), msaPort);
    const rows = [];
    try {
        const servers = [
            { kind: "postfix", port: instance.plainPort },
            { kind: "msa-spool", port: msaPort, child: msa },
        ];
        for (const mode of ["connection", "reuse"]) {
            progress(`postfix: smtp-source -s ${sessions} -m ${messages} -l ${messageBytes}${mode === "reuse" ? " -d" : ""}, ${options.rounds} rounds`);
            const figures = new Map();
            for (const server of servers)
                figures.set(server.kind, { rate: [], failedRuns: 0 });
            for (let round = 0; round < options.rounds; round++) {
                for (let i = 0; i < servers.length; i++) {
                    const server = servers[(i + round) % servers.length];
                    const entry = figures.get(server.kind);
                    const args = [
                        "-s",
                        String(sessions),
                        "-m",
                        String(messages),
                        "-l",
                        String(messageBytes),
                        "-f",
                        `${BENCH_LOGIN}@${BENCH_DOMAIN}`,
                        "-t",
                        `rcpt@${BENCH_DOMAIN}`,
                        "-M",
                        "client.bench.test",
                    ];
                    if (mode === "reuse")
                        args.unshift("-d");
                    const result = await runSmtpSource(binary, [...args, `127.0.0.1:${server.port}`]);
                    const complaint = result.stderr.split("\n").find((line) => /warning|fatal|error/i.test(line));
                    if (result.code !== 0 || complaint) {
                        entry.failedRuns++;
                        entry.firstError ??= complaint ?? `exit ${result.code}`;
                        continue;
                    }
                    entry.rate.push(messages / result.seconds);
                }
            }
            const modeRows = servers.map((server) => {
                const entry = figures.get(server.kind);
                return {
                    server: server.kind,
                    mode,
                    messages,
                    sessions,
                    messageBytes,
                    msgsPerSecond: summarize(entry.rate),
                    failedRuns: entry.failedRuns,
                    ...(entry.firstError ? { firstError: entry.firstError } : {}),
                    ratioVsPostfix: Number.NaN,
                };
            });
            const postfix = modeRows.find((row) => row.server === "postfix");
            for (const row of modeRows)
                row.ratioVsPostfix = ratio(row.msgsPerSecond.median, postfix.msgsPerSecond.median);
            rows.push(...modeRows);
        }
    }
    finally {
        await msa.stop();
    }
    return rows;
}
//# sourceMappingURL=postfix.js.map