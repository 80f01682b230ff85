// Decision cost: the pure decision core alone (no sockets, no I/O), per SMTP transaction
// = helo, authenticated, mail, rcpt x3, with policies whose `senders` tables have 10 to
// 100,000 entries. The logins cycle through entries spread over the whole table, so a
// lookup cannot stay in one cache line; every decision must be an accept (checked).
import fs from "node:fs";
import { compilePolicy } from "../compiler/compile.js";
import { decide } from "../runtime/decision/decide.js";
import { newSession } from "../runtime/decision/session.js";
import { prepareTables } from "../runtime/decision/tables.js";
import { BENCH_DOMAIN, senderEntry, writeScalePolicy } from "./benchPolicy.js";
import { ratio, summarize } from "./stats.js";
export function compileScalePolicy(dir, entries, usersLine) {
    const file = writeScalePolicy(dir, entries, usersLine);
    const result = compilePolicy(file, fs.readFileSync(file, "utf8"));
    if (!result.graph)
        throw new Error(`the ${entries}-entry policy does not compile: ${result.diagnostics.map((d) => d.message).join("; ")}`);
    return result.graph;
}
/** Runs `transactions` transactions through decide(); returns how many decisions were not accepts. */
export function runTransactions(graph, tables, entries, transactions) {
    const distinct = Math.min(entries, 1000);
    const step = Math.max(1, Math.floor(entries / distinct));
    const logins = Array.from({ length: distinct }, (_, i) => senderEntry((i * step) % entries));
    const helo = { type: "helo", name: "client.bench.test", extended: true };
    const rcpts = [0, 1, 2].map((r) => ({ type: "rcpt", address: `rcpt${r}@${BENCH_DOMAIN}`, params: {} }));
    let refused = 0;
    for (let t = 0; t < transactions; t++) {
        const who = logins[t % distinct];
        let state = newSession("tls", "127.0.0.1");
        const events = [helo, { type: "authenticated", login: who.login }, { type: "mail", address: who.address, params: {} }, ...rcpts];
        for (const event of events) {
            const decision = decide(graph, state, event, tables);
            if (decision.verdict.kind !== "accept")
                refused++;
            state = decision.state;
        }
    }
    return refused;
}
export function measureDecisionCost(dir, sizes, transactions, rounds, usersLine) {
    const rows = [];
    // Tables are prepared once per graph, outside the timing, as the server prepares them when it starts.
    const graphs = sizes.map((entries) => {
        const graph = compileScalePolicy(dir, entries, usersLine);
        return { entries, graph, tables: prepareTables(graph, (path) => fs.readFileSync(path, "utf8")).tables };
    });
    for (const { entries, graph, tables } of graphs) {
        const refused = runTransactions(graph, tables, entries, Math.min(transactions, 1000)); // warm-up, and a correctness check
        if (refused)
            throw new Error(`decision cost: ${refused} decisions were refusals with ${entries} entries; the bench would measure the wrong path`);
    }
    const times = new Map(sizes.map((entries) => [entries, []]));
    for (let round = 0; round < rounds; round++) {
        for (const { entries, graph, tables } of graphs) {
            const started = process.hrtime.bigint();
            runTransactions(graph, tables, entries, transactions);
            times.get(entries).push(Number(process.hrtime.bigint() - started) / 1e3 / transactions);
        }
    }
    for (const entries of sizes)
        rows.push({ entries, transactions, microsPerTransaction: summarize(times.get(entries)), ratioVsSmallest: Number.NaN });
    for (const row of rows)
        row.ratioVsSmallest = ratio(row.microsPerTransaction.median, rows[0].microsPerTransaction.median);
    return rows;
}
//# sourceMappingURL=decisionCost.js.map