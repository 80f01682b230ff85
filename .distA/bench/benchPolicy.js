// Policies for the benchmarks, written as text the way an admin would write them: the
// wire policy mirrors a production submission policy (STARTTLS, require tls and auth,
// qualify, senders, the four `add` rules), and the scale policies grow only their
// `senders` table, so any growth in cost is the table's.
import fs from "node:fs";
import path from "node:path";
export const BENCH_DOMAIN = "bench.test";
export const BENCH_LOGIN = "bench";
export const BENCH_PASSWORD = "bench-password-not-secret";
/** The login of the i-th generated `senders` entry and the address it may use. */
export function senderEntry(index) {
    const login = `user${index}`;
    return { login, address: `${login}@${BENCH_DOMAIN}` };
}
/** A `senders { ... }` block with `entries` generated lines (plus `extra` lines first). */
export function sendersBlock(entries, extra = []) {
    const lines = ["senders {", ...extra.map((line) => `  ${line}`)];
    for (let index = 0; index < entries; index++) {
        const { login, address } = senderEntry(index);
        lines.push(`  ${login}: ${address}, ${login}.alias@${BENCH_DOMAIN}`);
    }
    lines.push("}");
    return lines.join("\n");
}
/** The rules every bench policy shares after its listener and AUTH lines: a submission policy's. */
function submissionRules(senders, limits = []) {
    return [
        `qualify domains ${BENCH_DOMAIN}`,
        "enforce address syntax",
        senders,
        ...limits,
        "limit recipients 50",
        "add Date",
        "add Message-ID",
        "add Sender",
        "add Received",
        "log errors",
    ];
}
/** The wire benchmark's policy, like a production submission policy on a loopback port. */
export function wirePolicy(options) {
    const deliver = options.delivery.kind === "relay" ? `deliver relay smtp://127.0.0.1:${options.delivery.port}` : `deliver spool ${JSON.stringify(options.delivery.dir)}`;
    return [
        "hostname msa.bench.test",
        `tls certificate ${JSON.stringify(options.certificate)} key ${JSON.stringify(options.key)}`,
        `listen 127.0.0.1:${options.port} starttls`,
        `auth users ${JSON.stringify(options.usersFile)}`,
        "require tls",
        "require auth",
        ...submissionRules(sendersBlock(options.senderEntries ?? 100, [`${BENCH_LOGIN}: ${BENCH_LOGIN}@${BENCH_DOMAIN}`]), ["limit size 10MB"]),
        ...(options.workers !== undefined ? [`workers ${options.workers}`] : []),
        ...(options.extra ?? []),
        deliver,
        "",
    ].join("\n");
}
/**
 * A policy whose size is its `senders` table: `entries` lines, for the decision-cost and
 * compiler-scale figures. Writes it (and the users file it names) into `dir`; returns its path.
 */
export function writeScalePolicy(dir, entries, usersLine) {
    fs.mkdirSync(dir, { recursive: true });
    const usersFile = path.join(dir, "users.passwd");
    if (!fs.existsSync(usersFile))
        fs.writeFileSync(usersFile, usersLine + "\n");
    const file = path.join(dir, `senders-${entries}.msa`);
    const text = [
        "hostname msa.bench.test",
        "listen 127.0.0.1:2525 plain",
        'auth users "users.passwd"',
        "require auth",
        ...submissionRules(sendersBlock(entries)),
        'deliver spool "spool"',
        "",
    ].join("\n");
    fs.writeFileSync(file, text);
    return file;
}
//# sourceMappingURL=benchPolicy.js.map