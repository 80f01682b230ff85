// `msac test [PATH...]`: runs policy test files (`*.msa.test`, format in
// tooling/policyTests/testFile.ts), lists passing and failing cases with a diff
// for each failure, and with --coverage the policy rules no case exercised.
// Exit 0 when every case passes (and coverage is at least --min-coverage), 1 when
// not, 2 when a path cannot be read.
import fs from "node:fs";
import path from "node:path";
import { renderText } from "../compiler/render.js";
import { coverageOf, runTestFile } from "../tooling/policyTests/run.js";
import { ExitStatus } from "./io.js";
/** Folders that never hold policy tests worth running by default. */
const SKIPPED_FOLDERS = new Set(["node_modules", "dist", ".git"]);
function findTestFiles(target, found) {
    let stat;
    try {
        stat = fs.statSync(target);
    }
    catch {
        return false;
    }
    if (stat.isFile()) {
        found.push(target);
        return true;
    }
    for (const entry of fs.readdirSync(target, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const full = path.join(target, entry.name);
        if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name))
            findTestFiles(full, found);
        else if (entry.isFile() && entry.name.endsWith(".msa.test"))
            found.push(full);
    }
    return true;
}
/** Coverage per policy: several test files may test one policy. */
function coverages(results) {
    const byPolicy = new Map();
    for (const r of results) {
        if (!r.graph || !r.policyText)
            continue;
        const entry = byPolicy.get(r.policy) ?? { result: r, trace: [] };
        entry.trace.push(...r.trace);
        byPolicy.set(r.policy, entry);
    }
    return [...byPolicy.entries()].map(([policy, { result, trace }]) => coverageOf(policy, result.graph, result.policyText, trace));
}
export function renderCoverage(coverage) {
    const out = [`coverage of ${coverage.policy}: ${coverage.exercised} of ${coverage.total} rules exercised (${coverage.percent}%)`];
    const width = coverage.rules.reduce((widest, r) => Math.max(widest, r.location.length + r.node.length), 0);
    for (const r of coverage.rules.filter((r) => r.exercised)) {
        const counts = ["pass", "refuse", "observe", "change", "skip"]
            .filter((o) => r.outcomes[o] > 0)
            .map((o) => `${r.outcomes[o]} ${o}`)
            .join(", ");
        out.push(`  ${`${r.location}  ${r.node}`.padEnd(width + 2)}  ${counts}`);
        if (r.entries && r.entries.unused.length > 0)
            out.push(`    senders entries no case used: ${r.entries.unused.join(", ")}`);
    }
    const missed = coverage.rules.filter((r) => !r.exercised);
    if (missed.length > 0) {
        out.push("  not exercised by any case:");
        for (const r of missed)
            out.push(`    ${r.location}  ${r.node}  \`${r.source}\``);
    }
    return out.join("\n") + "\n";
}
export async function runPolicyTests(paths, options, io) {
    const minCoverage = options.minCoverage === undefined ? undefined : Number(options.minCoverage);
    if (minCoverage !== undefined && !(minCoverage >= 0 && minCoverage <= 100)) {
        io.stderr.write(`msac: --min-coverage takes a percentage from 0 to 100, not \`${options.minCoverage}\`\n`);
        return ExitStatus.usage;
    }
    const files = [];
    for (const target of paths.length > 0 ? paths : ["policies"]) {
        if (!findTestFiles(target, files)) {
            io.stderr.write(`msac: cannot read \`${target}\`: no such file or folder\n`);
            return ExitStatus.usage;
        }
    }
    if (files.length === 0) {
        io.stderr.write(`msac: no *.msa.test files under ${paths.join(", ") || "policies"}\n`);
        return ExitStatus.usage;
    }
    const results = [];
    for (const file of files)
        results.push(await runTestFile(file));
    const cases = results.flatMap((r) => r.cases);
    const failed = cases.filter((c) => c.failures.length > 0).length;
    const broken = results.filter((r) => r.problems.length > 0).length;
    const covered = options.coverage || minCoverage !== undefined ? coverages(results) : [];
    const underThreshold = minCoverage !== undefined ? covered.filter((c) => c.percent < minCoverage) : [];
    if (options.format === "json") {
        const report = {
            passed: cases.length - failed,
            failed,
            files: results.map((r) => ({
                file: r.file,
                policy: r.policy,
                problems: r.problems,
                cases: r.cases.map((c) => ({ name: c.name, line: c.line, passed: c.failures.length === 0, failures: c.failures })),
            })),
            ...(covered.length > 0 ? { coverage: covered.map((c) => ({ ...c, rules: c.rules })) } : {}),
            ...(minCoverage !== undefined ? { minCoverage, belowMinCoverage: underThreshold.map((c) => c.policy) } : {}),
        };
        io.stdout.write(JSON.stringify(report, null, 2) + "\n");
    }
    else {
        for (const r of results) {
            io.stdout.write(`${r.file} (policy ${r.policy})\n`);
            if (r.diagnostics.some((d) => d.severity === "error"))
                io.stdout.write(renderText(r.diagnostics, new Map([[r.policy, r.policyText ?? fs.readFileSync(r.policy, "utf8")]])));
            for (const p of r.problems)
                io.stdout.write(`  error: ${p}\n`);
            for (const c of r.cases) {
                io.stdout.write(`  ${c.failures.length === 0 ? "pass" : "FAIL"}  ${c.name}\n`);
                for (const f of c.failures) {
                    io.stdout.write(`        ${r.file}:${f.line}\n`);
                    io.stdout.write(`        - ${f.expected}\n`);
                    for (const a of f.actual)
                        io.stdout.write(`        + ${a}\n`);
                    for (const t of f.trace)
                        io.stdout.write(`          ${t}\n`);
                }
            }
        }
        io.stdout.write(`\n${cases.length - failed} passed, ${failed} failed${broken ? `, ${broken} test file${broken === 1 ? "" : "s"} not run` : ""}\n`);
        for (const c of covered)
            io.stdout.write("\n" + renderCoverage(c));
        for (const c of underThreshold)
            io.stdout.write(`\ncoverage of ${c.policy} is ${c.percent}%, under --min-coverage ${minCoverage}%\n`);
    }
    return failed > 0 || broken > 0 || underThreshold.length > 0 ? ExitStatus.errors : ExitStatus.ok;
}
//# sourceMappingURL=policyTest.js.map