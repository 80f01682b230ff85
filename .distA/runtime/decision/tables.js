// Lookup tables the decision core needs besides the graph: submission rights, recipient
// limits and regular expressions compiled once per graph node, and the tables read from `senders "FILE"`,
// `aliases "FILE"` and `rewrite senders "FILE"`. The caller prepares them (the server once per graph, reloading senders
// files when they change; `msac simulate` and `msac test` once per run) and hands them to
// `decide` as data, so `decide` stays a pure function of (graph, state, event, tables).
import { envelopeNodes, ruleLocation } from "../../graph/graph.js";
import { parseCanonicalTable } from "../rewrite/senderCanonical.js";
import { compilePattern } from "../../formats/pattern.js";
import { compileRecipientRules } from "../rights/recipientRules.js";
import { compileSenderGrants } from "../rights/senderGrants.js";
import { sendersFromFile } from "../../formats/sendersFile.js";
import { loadAliases } from "../aliases/aliasRecipients.js";
/** The table a RewriteSenders node rewrites with, or undefined when the caller loaded none. */
export function canonicalTableOf(node, tables) {
    return tables?.canonicalSenders?.get(node.file);
}
/** The file of the graph's `rewrite senders` rule, if it has one (the mail and message stages hold the same node). */
export function canonicalFileOf(graph) {
    for (const node of [...envelopeNodes(graph.stages.mail), ...graph.stages.message.nodes])
        if (node.kind === "RewriteSenders")
            return node.file;
    return undefined;
}
/**
 * Reads and compiles the `rewrite senders` table. A file that cannot be read or has a bad line
 * throws, naming the file and line: rewriting half a table, or none, would pass on addresses the
 * admin meant to replace, so the server does not start (a reload keeps the running policy).
 */
function loadCanonicalSenders(file, readFile) {
    const parsed = parseCanonicalTable(readFile(file));
    if ("table" in parsed)
        return parsed.table;
    const first = parsed.problems[0];
    throw new Error(`${file}:${first.line}:${first.column}: ${first.message} (\`msac check\` lists every problem)`);
}
function compileInlineSenders(node) {
    return compileSenderGrants(Object.entries(node.senders).map(([login, grants]) => ({ login, grants })));
}
/**
 * The grants a SubmissionRights node decides with: its file's table when loaded, else its inline
 * block (compiled now when the caller prepared no tables, as a test may).
 */
export function senderTableOf(node, tables) {
    const fromFile = node.file !== undefined ? tables?.sendersFiles?.get(node.file) : undefined;
    return fromFile ?? tables?.inlineSenders?.get(node) ?? compileInlineSenders(node);
}
/**
 * `limit recipients to LIST [for LOGINS]` as first-match rules: the listed targets are allowed,
 * every other recipient refused; with `except`, the listed targets are refused and the rest
 * allowed; only for the node's logins (everyone when null).
 */
function compileRecipientsTo(node) {
    const logins = node.logins ? { logins: node.logins } : {};
    return compileRecipientRules(node.except
        ? [{ action: "refuse", match: { list: node.targets }, ...logins }]
        : [
            { action: "allow", match: { list: node.targets }, ...logins },
            { action: "refuse", match: { all: true }, ...logins },
        ]);
}
export function recipientRulesOf(node, tables) {
    return tables?.recipientRules?.get(node) ?? compileRecipientsTo(node);
}
/** A graph's pattern compiled; the checker let only RE2 syntax through, so a failure is a graph not made by msac. */
function compileGraphPattern(pattern, where) {
    const compiled = compilePattern(pattern.source, pattern.flags);
    if (!compiled.ok)
        throw new Error(`${where}: pattern /${pattern.source}/${pattern.flags} is not RE2 syntax: ${compiled.problem.message}`);
    return compiled.regex;
}
/** The compiled regular expression of a node's pattern (compiled now when the caller prepared no tables, as a test may). */
export function regexOf(pattern, tables) {
    return tables?.patterns?.get(pattern) ?? compileGraphPattern(pattern, "graph");
}
/** Every senders file the graph names (the mail and message stages may both hold the node). */
export function sendersFilesOf(graph) {
    const files = new Set();
    for (const node of [...envelopeNodes(graph.stages.mail), ...graph.stages.message.nodes]) {
        if (node.kind === "SubmissionRights" && node.file !== undefined)
            files.add(node.file);
    }
    return [...files];
}
/** Reads and compiles the senders, aliases and sender rewriting files of `graph` with `readFile` (which may throw; a bad rewriting file throws). */
export function prepareTables(graph, readFile) {
    const sendersFiles = new Map();
    const problems = [];
    for (const file of sendersFilesOf(graph)) {
        let text;
        try {
            text = readFile(file);
        }
        catch (error) {
            problems.push({ file, problems: error.message });
            continue;
        }
        const parsed = sendersFromFile(text);
        if (parsed.problems.length > 0) {
            problems.push({ file, problems: parsed.problems });
            continue;
        }
        sendersFiles.set(file, compileSenderGrants(parsed.entries));
    }
    const aliases = loadAliases(graph, readFile);
    const inlineSenders = new Map();
    for (const node of [...envelopeNodes(graph.stages.mail), ...graph.stages.message.nodes]) {
        if (node.kind === "SubmissionRights" && !inlineSenders.has(node))
            inlineSenders.set(node, compileInlineSenders(node));
    }
    const recipientRules = new Map();
    for (const node of envelopeNodes(graph.stages.rcpt))
        if (node.kind === "RecipientsTo")
            recipientRules.set(node, compileRecipientsTo(node));
    const patterns = new Map();
    for (const node of graph.stages.message.nodes) {
        if ("matching" in node && node.matching)
            patterns.set(node.matching, compileGraphPattern(node.matching, ruleLocation(node.origin)));
    }
    const canonicalFile = canonicalFileOf(graph);
    const canonicalSenders = new Map();
    if (canonicalFile !== undefined)
        canonicalSenders.set(canonicalFile, loadCanonicalSenders(canonicalFile, readFile));
    return {
        tables: { sendersFiles, inlineSenders, recipientRules, patterns, canonicalSenders, ...(aliases ? { aliases: aliases.table } : {}) },
        problems,
        aliasProblems: aliases?.problems ?? [],
    };
}
/** The same tables with the `rewrite senders` table replaced (a reload). */
export function withCanonicalFile(tables, file, table) {
    return { ...tables, canonicalSenders: new Map([[file, table]]) };
}
/** The same tables with one file's table replaced (a reload). */
export function withSendersFile(tables, file, table) {
    const sendersFiles = new Map(tables.sendersFiles ?? []);
    sendersFiles.set(file, table);
    return { ...tables, sendersFiles };
}
//# sourceMappingURL=tables.js.map