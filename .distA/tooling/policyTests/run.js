// Runs policy test files: each case's session goes through the simulator (and so
// through the server's decision core), each expectation is compared with what
// came back, and every trace step is kept for the coverage report. Pure of I/O
// except reading the test file and compiling its policy.
import fs from "node:fs";
import path from "node:path";
import { compilePolicy } from "../../compiler/compile.js";
import { hasErrors } from "../../compiler/diagnostics.js";
import { envelopeNodes, loginSourceNode, messageNodes, ruleLocation } from "../../graph/graph.js";
import { formatReply, formatTraceStep } from "../simulate/render.js";
import { simulate } from "../simulate/session.js";
import { parseTestFile } from "./testFile.js";
/** Test sessions run at a fixed time with fixed ids, so expected Date and Message-ID fields can be written down. */
export const TEST_CLOCK = new Date("2026-01-01T12:00:00Z");
export function policyOfTestFile(testFile, named) {
    const dir = path.dirname(testFile);
    if (!named)
        return testFile.replace(/\.test$/, "");
    return path.isAbsolute(named) ? named : path.join(dir, named);
}
function globMatch(pattern, value) {
    const regex = new RegExp("^" +
        pattern
            .split("*")
            .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
            .join(".*") +
        "$", "s");
    return regex.test(value);
}
function describeMessage(message) {
    if (!message)
        return ["no message was delivered"];
    return [`envelope from ${message.mailFrom || "<>"} to ${message.recipients.join(" ")}`, ...message.fields.map((f) => `header ${f.name}: ${f.value}`)];
}
function check(expectation, exchange, message) {
    switch (expectation.kind) {
        case "reply": {
            const last = exchange.replies[exchange.replies.length - 1];
            if (!last)
                return ["no reply (the step does not answer)"];
            const ok = last.code === expectation.code && (!expectation.enhanced || last.enhanced === expectation.enhanced);
            return ok ? null : formatReply(last).map((l) => l.replace(/^S: /, ""));
        }
        case "wouldRefuse": {
            const found = exchange.observations.some((o) => o.reply.code === expectation.code && (!expectation.enhanced || o.reply.enhanced === expectation.enhanced));
            if (found)
                return null;
            if (exchange.observations.length === 0)
                return ["no observe-only rule would have refused this step"];
            return exchange.observations.map((o) => `would refuse ${o.reply.code} ${o.reply.enhanced} (${ruleLocation(o.origin)})`);
        }
        case "envelope": {
            if (!message)
                return describeMessage(message);
            const sameTo = message.recipients.length === expectation.to.length && message.recipients.every((r, i) => r.toLowerCase() === expectation.to[i].toLowerCase());
            const from = expectation.from === "<>" ? "" : expectation.from;
            return message.mailFrom.toLowerCase() === from.toLowerCase() && sameTo ? null : [`envelope from ${message.mailFrom || "<>"} to ${message.recipients.join(" ")}`];
        }
        case "header": {
            if (!message)
                return describeMessage(message);
            const fields = message.fields.filter((f) => f.name.toLowerCase() === expectation.name.toLowerCase());
            if (expectation.absent)
                return fields.length === 0 ? null : fields.map((f) => `header ${f.name}: ${f.value}`);
            const found = fields.some((f) => expectation.value === undefined || globMatch(expectation.value, f.value));
            if (found)
                return null;
            return fields.length > 0 ? fields.map((f) => `header ${f.name}: ${f.value}`) : [`no ${expectation.name} field; the message has:`, ...describeMessage(message).slice(1)];
        }
    }
}
async function runCase(graph, testCase, trace) {
    const simulation = await simulate(graph, testCase.items.map((i) => i.step), {
        now: () => TEST_CLOCK,
        messageId: (n) => `<test.${n}@${graph.hostname}>`,
    });
    const failures = [];
    let message;
    testCase.items.forEach((item, index) => {
        const exchange = simulation.exchanges[index];
        if (exchange) {
            trace.push(...exchange.trace);
            if (exchange.delivered)
                message = exchange.delivered;
            else if (exchange.step.kind === "data")
                message = undefined;
        }
        for (const expectation of item.expectations) {
            if (!exchange) {
                failures.push({ line: expectation.line, expected: expectation.text, actual: ["the step was not run: it comes after QUIT"], trace: [] });
                continue;
            }
            const actual = check(expectation, exchange, message);
            if (actual)
                failures.push({ line: expectation.line, expected: expectation.text.replace(/^expect\s+/, ""), actual, trace: exchange.trace.map(formatTraceStep) });
        }
    });
    return { name: testCase.name, line: testCase.line, failures };
}
export async function runTestFile(testFile) {
    const result = { file: testFile, policy: "", problems: [], diagnostics: [], cases: [], trace: [] };
    let text;
    try {
        text = fs.readFileSync(testFile, "utf8");
    }
    catch (error) {
        result.problems.push(`cannot read \`${testFile}\`: ${error.message}`);
        return result;
    }
    const parsed = parseTestFile(testFile, text);
    result.policy = policyOfTestFile(testFile, parsed.policy);
    for (const p of parsed.problems)
        result.problems.push(`${testFile}:${p.line}: ${p.message}`);
    if (parsed.problems.length > 0)
        return result;
    let policyText;
    try {
        policyText = fs.readFileSync(result.policy, "utf8");
    }
    catch (error) {
        result.problems.push(`cannot read the policy \`${result.policy}\`: ${error.message}`);
        return result;
    }
    const compiled = compilePolicy(result.policy, policyText);
    result.diagnostics = compiled.diagnostics;
    if (hasErrors(compiled.diagnostics) || !compiled.graph) {
        result.problems.push(`the policy \`${result.policy}\` has errors; run \`msac check ${result.policy}\``);
        return result;
    }
    result.graph = compiled.graph;
    result.policyText = policyText;
    for (const testCase of parsed.cases)
        result.cases.push(await runCase(compiled.graph, testCase, result.trace));
    return result;
}
/**
 * The rules a session can exercise: every node the decision stages consult, the
 * `allow postmaster` exception, `auth users`, the `limit rate` and `throttle auth`
 * rules (exercised when a check of them ran), `aliases`, `sign dkim` and the deliver
 * rule, by policy line.
 * Settings that no session step decides (hostname, listen, tls, log) are not
 * counted; `msac print` shows them.
 */
export function decisionRules(graph) {
    const rules = new Map();
    const add = (origin, node) => {
        if (origin.line > 0 && !rules.has(origin.line))
            rules.set(origin.line, { origin, node });
    };
    const { auth, mail, rcpt, message } = graph.stages;
    for (const node of [...auth, ...envelopeNodes(mail), ...envelopeNodes(rcpt), ...messageNodes(message)]) {
        add(node.origin, node.kind === "AddHeader" ? `Add${node.field.replace("-", "")}` : node.kind);
        if (node.kind === "RequireAuth" && node.postmaster)
            add(node.postmaster.origin, "AllowPostmaster");
        if (node.kind === "RequireAuth")
            for (const trusted of node.trusted ?? [])
                add(trusted.origin, "AllowTrustedNetwork");
    }
    if (graph.logins)
        add(graph.logins.origin, loginSourceNode(graph.logins));
    if (graph.aliases)
        add(graph.aliases.origin, "Aliases");
    for (const signature of graph.dkim)
        add(signature.origin, "SignDkim");
    for (const rate of graph.limits.rates)
        add(rate.origin, "LimitRate");
    add(graph.limits.throttle.origin, "ThrottleAuth");
    add(graph.deliver.origin, graph.deliver.kind);
    return [...rules.values()].sort((a, b) => a.origin.line - b.origin.line);
}
export function coverageOf(policy, graph, policyText, trace) {
    const hits = new Map();
    for (const step of trace) {
        if (step.origin.line <= 0)
            continue;
        const counts = hits.get(step.origin.line) ?? { pass: 0, refuse: 0, change: 0, skip: 0, observe: 0 };
        counts[step.outcome]++;
        hits.set(step.origin.line, counts);
    }
    const usedEntries = new Map();
    for (const step of trace) {
        if (step.entry === undefined || step.node !== "SubmissionRights")
            continue;
        const used = usedEntries.get(step.origin.line) ?? new Set();
        used.add(step.entry);
        usedEntries.set(step.origin.line, used);
    }
    const rights = envelopeNodes(graph.stages.mail).find((n) => n.kind === "SubmissionRights");
    const entriesOf = (line) => {
        if (!rights || rights.kind !== "SubmissionRights" || rights.origin.line !== line || rights.file !== undefined)
            return undefined;
        const used = usedEntries.get(line) ?? new Set();
        const logins = Object.keys(rights.senders);
        return { used: logins.filter((l) => used.has(l)), unused: logins.filter((l) => !used.has(l)) };
    };
    const lines = policyText.split("\n");
    const rules = decisionRules(graph).map(({ origin, node }) => {
        const entries = entriesOf(origin.line);
        return {
            location: ruleLocation(origin),
            line: origin.line,
            node,
            source: (lines[origin.line - 1] ?? "").replace(/\s+#.*$/, "").trim(),
            exercised: hits.has(origin.line),
            outcomes: hits.get(origin.line) ?? { pass: 0, refuse: 0, change: 0, skip: 0, observe: 0 },
            ...(entries ? { entries } : {}),
        };
    });
    const exercised = rules.filter((r) => r.exercised).length;
    return { policy, rules, exercised, total: rules.length, percent: rules.length === 0 ? 100 : Math.floor((exercised * 1000) / rules.length) / 10 };
}
//# sourceMappingURL=run.js.map