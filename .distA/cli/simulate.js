// `msac simulate FILE`: a fake SMTP session against the compiled policy, in
// process and without a network, run by the server's own decision core
// (tooling/simulate/). Script from stdin or --script, or built from the
// one-line options (--auth, --mail-from, --rcpt, --tls, --from).
import fs from "node:fs";
import { findListener, listenerKey } from "../graph/graph.js";
import { parseScript } from "../tooling/simulate/script.js";
import { simulate } from "../tooling/simulate/session.js";
import { renderSimulation, renderVerdicts } from "../tooling/simulate/render.js";
import { ExitStatus } from "./io.js";
import { compileForCommand } from "./loadPolicy.js";
async function readAll(stream) {
    const chunks = [];
    for await (const chunk of stream)
        chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString("utf8");
}
/** The one-line form as a script: connect, EHLO, optional TLS and AUTH, MAIL, each RCPT, QUIT. */
export function oneLineScript(options) {
    const lines = [];
    if (options.from)
        lines.push(`#from ${options.from}`);
    // TLS first: after STARTTLS a client must say EHLO again (RFC 3207 section 4.2).
    if (options.tls)
        lines.push("#tls");
    lines.push(`EHLO ${options.helo ?? "client.invalid"}`);
    if (options.auth)
        lines.push(`#auth ${options.auth}`);
    lines.push(`MAIL FROM:<${options.mailFrom ?? ""}>`);
    for (const rcpt of options.rcpt ?? [])
        lines.push(`RCPT TO:<${rcpt}>`);
    lines.push("QUIT");
    return lines.join("\n");
}
export async function runSimulate(file, options, io) {
    const loaded = compileForCommand(file, io);
    if (!loaded.ok)
        return loaded.status;
    const graph = loaded.result.graph;
    const oneLine = options.mailFrom !== undefined || (options.rcpt?.length ?? 0) > 0;
    if (oneLine && options.script) {
        io.stderr.write("msac: give either --script or the one-line options (--mail-from, --rcpt), not both\n");
        return ExitStatus.usage;
    }
    let text;
    if (oneLine)
        text = oneLineScript(options);
    else if (options.script) {
        try {
            text = fs.readFileSync(options.script, "utf8");
        }
        catch (error) {
            io.stderr.write(`msac: cannot read \`${options.script}\`: ${error.message}\n`);
            return ExitStatus.usage;
        }
    }
    else
        text = await readAll(io.stdin);
    const parsed = parseScript(text);
    if (parsed.problems.length > 0) {
        const name = options.script ?? "<stdin>";
        for (const p of parsed.problems)
            io.stderr.write(`${name}:${p.line}: ${p.message}\n`);
        return ExitStatus.usage;
    }
    const listener = options.listener === undefined ? undefined : findListener(graph.listeners, options.listener);
    if (options.listener !== undefined && !listener) {
        io.stderr.write(`msac: the policy has no listener \`${options.listener}\` (it has ${graph.listeners.map(listenerKey).join(", ")})\n`);
        return ExitStatus.usage;
    }
    let now;
    if (options.now) {
        now = new Date(options.now);
        if (Number.isNaN(now.getTime())) {
            io.stderr.write(`msac: --now takes an ISO 8601 date such as 2026-01-01T12:00:00Z, not \`${options.now}\`\n`);
            return ExitStatus.usage;
        }
    }
    const steps = parsed.steps;
    const simulation = await simulate(graph, steps, {
        ...(listener ? { listener } : {}),
        ...(now ? { now: () => now } : {}),
    });
    const level = options.trace ?? (oneLine ? "decisions" : "all");
    io.stdout.write(oneLine ? renderVerdicts(simulation, level) : renderSimulation(simulation, level, options.showMessage === true));
    return simulation.endedAsScripted ? ExitStatus.ok : ExitStatus.errors;
}
//# sourceMappingURL=simulate.js.map