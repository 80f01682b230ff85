// deploy/prometheus (alert rules and their unit tests) and deploy/grafana (the dashboard) against a
// real msa: `msac serve` with `metrics listen` runs sessions that authenticate wrongly, get refused,
// deliver and are deferred, and every metric the rules and the dashboard name must be in its scrape,
// with the labels they select on. promtool (Debian's prometheus) checks the rules, runs their unit
// tests, and parses every dashboard query as PromQL.
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import bcrypt from "bcryptjs";
import { generate } from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/freePort.js";
import { startNextHop, type NextHop } from "../support/nextHop.js";
import { runProcess, startProcess } from "../support/processes.js";
import { rawSmtp } from "../support/smtplib.js";

const ROOT = resolve(import.meta.dirname, "../..");
const MSAC = join(ROOT, "dist/cli/msac.js");
const RULES = join(ROOT, "deploy/prometheus/msa-alerts.yml");
const RULE_TESTS = join(ROOT, "deploy/prometheus/msa-alerts.test.yml");
const DASHBOARD = join(ROOT, "deploy/grafana/msa-dashboard.json");
const PROMTOOL = "/usr/bin/promtool";
/** Series Prometheus makes itself for every target, not msa. */
const PROMETHEUS_OWN = new Set(["up"]);
/** Labels Prometheus adds to every series it scrapes (the target's). */
const TARGET_LABELS = new Set(["instance", "job"]);

interface Dashboard {
  panels: { type: string; title: string; targets?: { expr: string }[] }[];
  templating: { list: { name: string; query?: string | { query: string } }[] };
}

/** Each `name{matchers}` or bare metric name in a PromQL text, with the label names it matches on. */
function selectors(promql: string): { name: string; labels: string[] }[] {
  const found: { name: string; labels: string[] }[] = [];
  // function names and keywords are followed by `(`; label names inside `by (...)` are skipped with the group
  const withoutGroupings = promql.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  for (const match of withoutGroupings.matchAll(/\b([a-z_][a-z0-9_]*)\b(\{[^}]*\})?(?!\s*\()/g)) {
    const name = match[1]!;
    if (!name.startsWith("msa_") && !PROMETHEUS_OWN.has(name)) continue;
    const labels = [...(match[2] ?? "").matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1]!);
    found.push({ name, labels });
  }
  return found;
}

/** The metric names a scrape exports, histograms with their series' suffixes, and the label names seen on each. */
function exported(scrape: string): Map<string, Set<string>> {
  const metrics = new Map<string, Set<string>>();
  for (const [, name, type] of scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const names = type === "histogram" ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!];
    for (const n of names) metrics.set(n, new Set());
  }
  for (const [, name, labels] of scrape.matchAll(/^([a-z_][a-z0-9_]*)\{([^}]*)\} /gm)) {
    for (const [, label] of labels!.matchAll(/([a-z_]+)="/g)) metrics.get(name!)?.add(label!);
  }
  return metrics;
}

function dashboardQueries(dashboard: Dashboard): string[] {
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

async function promtool(args: string[], cwd?: string) {
  return runProcess(PROMTOOL, args, cwd ? { cwd } : {});
}

let dir: string;
let hop: NextHop;
let scrape: string;
let dashboard: Dashboard;
let rulesText: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "msa-monitoring-"));
  hop = await startNextHop();
  dashboard = JSON.parse(await readFile(DASHBOARD, "utf8")) as Dashboard;
  rulesText = await readFile(RULES, "utf8");
}, 60_000);
afterAll(async () => {
  await hop.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A self-signed EC certificate for localhost (quick to make). */
const selfSigned = () =>
  generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }] }],
  } as Parameters<typeof generate>[1]);

/** Runs sessions against `msac serve` (a wrong password, a refusal, a delivery, a deferral), renews its certificate, and returns its scrape. */
async function scrapeAfterSessions(): Promise<string> {
  const [first, second] = await Promise.all([selfSigned(), selfSigned()]);
  await writeFile(join(dir, "server.pem"), first.cert);
  await writeFile(join(dir, "server.key"), first.private);
  const [port, metricsPort] = [await freePort(), await freePort()];
  await writeFile(join(dir, "users.passwd"), `alice:${bcrypt.hashSync("alice-pw", 4)}\n`);
  const file = join(dir, "policy.msa");
  await writeFile(
    file,
    [
      "hostname msa.example.test",
      'tls certificate "server.pem" key "server.key"',
      `listen 127.0.0.1:${port} plain`,
      'auth users "users.passwd"',
      "require auth",
      "qualify domains example.test",
      "observe limit size 10B",
      "log info",
      `deliver relay ${hop.url}`,
      `metrics listen 127.0.0.1:${metricsPort}`,
      "",
    ].join("\n"),
  );
  const msa = startProcess(process.execPath, [MSAC, "serve", file]);
  await msa.waitForLine((l) => l.json?.event === "metrics-listening", 20_000);
  const auth = (password: string) => `AUTH PLAIN ${Buffer.from(`\0alice\0${password}`).toString("base64")}`;
  const message = Buffer.from("From: alice@example.test\r\nSubject: monitoring\r\n\r\nhello\r\n.\r\n");
  // a wrong password, and MAIL refused for want of authentication (a refusal by a policy line)
  const refused = await rawSmtp(port, ["EHLO client.example", auth("wrong"), "MAIL FROM:<alice>"]);
  expect(refused.slice(2).map((r) => r.slice(0, 3))).toEqual(["535", "530"]);
  const session = (replies: number) => ["EHLO client.example", auth("alice-pw"), "MAIL FROM:<alice>", "RCPT TO:<bob>", "DATA", { send: message, replies }];
  expect((await rawSmtp(port, session(1))).at(-1)).toMatch(/^250 /);
  hop.mode = "defer-data";
  expect((await rawSmtp(port, session(1))).at(-1)).toMatch(/^4\d\d /);
  // a renewed certificate, loaded while it runs
  await writeFile(join(dir, "renewed.key"), second.private);
  await rename(join(dir, "renewed.key"), join(dir, "server.key"));
  await writeFile(join(dir, "renewed.pem"), second.cert);
  await rename(join(dir, "renewed.pem"), join(dir, "server.pem"));
  await msa.waitForLine((l) => l.json?.event === "certificate-reloaded", 10_000);
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  expect(await msa.stop("SIGTERM")).toBe(0);
  return text;
}

describe("deploy/ monitoring against a running msa", () => {
  beforeAll(async () => {
    scrape = await scrapeAfterSessions();
  }, 60_000);

  it("scrapes a real msa that authenticated wrongly, refused, delivered and was deferred", () => {
    expect(scrape).toMatch(/^msa_auth_total\{result="failed"\} 1$/m);
    expect(scrape).toMatch(/^msa_relay_attempts_total\{result="deferred"\} 1$/m);
  });

  it("names in its alert rules only metrics and labels that msa exports", () => {
    const metrics = exported(scrape);
    const used = [...rulesText.matchAll(/expr: (?:\|\n((?: {10}.*\n)+)|(.*))/g)].flatMap((m) => selectors(m[1] ?? m[2]!));
    expect(new Set(used.map((u) => u.name))).toEqual(
      new Set([
        "up",
        "msa_queue_messages",
        "msa_queue_oldest_age_seconds",
        "msa_relay_attempts_total",
        "msa_refusals_by_rule_total",
        "msa_auth_total",
        "msa_certificate_expiry_timestamp_seconds",
        "msa_certificate_reloads_total",
      ]),
    );
    const unknown = used.filter((u) => !PROMETHEUS_OWN.has(u.name) && !metrics.has(u.name)).map((u) => u.name);
    expect(unknown).toEqual([]);
    const unknownLabels = used.flatMap((u) => u.labels.filter((l) => !TARGET_LABELS.has(l) && !metrics.get(u.name)?.has(l)).map((l) => `${u.name}{${l}}`));
    expect(unknownLabels).toEqual([]);
  });

  it("names in its dashboard only metrics and labels that msa exports", () => {
    const metrics = exported(scrape);
    const queries = dashboardQueries(dashboard);
    const variables = dashboard.templating.list.flatMap((v) => (typeof v.query === "object" ? [v.query.query] : []));
    const used = [...queries, ...variables].flatMap(selectors);
    const names = new Set(used.map((u) => u.name));
    // the panels the dashboard is for: messages, queue, refusals by rule, auth, latency
    for (const name of [
      "msa_messages_accepted_total",
      "msa_messages_refused_total",
      "msa_relay_attempts_total",
      "msa_queue_messages",
      "msa_queue_oldest_age_seconds",
      "msa_refusals_by_rule_total",
      "msa_auth_total",
      "msa_delivery_duration_seconds_bucket",
    ]) {
      expect(names, name).toContain(name);
    }
    expect(used.filter((u) => !metrics.has(u.name)).map((u) => u.name)).toEqual([]);
    const unknownLabels = used.flatMap((u) => u.labels.filter((l) => !TARGET_LABELS.has(l) && !metrics.get(u.name)?.has(l)).map((l) => `${u.name}{${l}}`));
    expect(unknownLabels).toEqual([]);
    // every `by (...)` label of a panel is a label of the metric it sums (or the target's)
    for (const query of queries) {
      const labels = [...query.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) => m[1]!.split(",").map((l) => l.trim()));
      const own = new Set(selectors(query).flatMap((s) => [...(metrics.get(s.name) ?? [])]));
      expect(
        labels.filter((l) => !TARGET_LABELS.has(l) && l !== "le" && !own.has(l)),
        query,
      ).toEqual([]);
    }
  });
});

describe("promtool", () => {
  it("accepts the alert rules", async () => {
    const checked = await promtool(["check", "rules", RULES]);
    expect(checked.stdout + checked.stderr).toMatch(/SUCCESS: 8 rules found/);
    expect(checked.code).toBe(0);
  });

  it("passes the rules' unit tests (server down, auth failures and refusals spiking, queue growing, certificate expiring)", async () => {
    const tested = await promtool(["test", "rules", RULE_TESTS]);
    expect(tested.stdout + tested.stderr).toMatch(/SUCCESS/);
    expect(tested.code).toBe(0);
  });

  it("parses every dashboard query as PromQL", async () => {
    // Grafana's variables as Prometheus would see them once Grafana has filled them in
    const queries = dashboardQueries(dashboard).map((q) => q.replaceAll("$__rate_interval", "5m").replaceAll("$instance", ".*"));
    expect(queries.length).toBeGreaterThan(10);
    const rules = ["groups:", "  - name: dashboard", "    rules:", ...queries.flatMap((q, i) => [`      - record: dashboard:query${i}`, `        expr: ${JSON.stringify(q)}`])];
    const file = join(dir, "dashboard-queries.yml");
    await writeFile(file, `${rules.join("\n")}\n`);
    const checked = await promtool(["check", "rules", file]);
    expect(checked.stdout + checked.stderr).toMatch(new RegExp(`SUCCESS: ${queries.length} rules found`));
  });
});
