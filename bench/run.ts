// `npm run bench [-- --quick] [-- --only wire,decision]`: runs the harness, prints the
// tables and writes bench/results/latest.json and bench/results/latest.md.
import fs from "node:fs";
import path from "node:path";
import { ALL_SECTIONS, FULL_CONFIG, QUICK_CONFIG, runBench, type BenchConfig, type Section } from "./harness.js";
import { projectRoot } from "./processes.js";
import { reportTables } from "./reportTables.js";
import { renderMarkdown, renderText } from "./table.js";

function parseArguments(argv: string[]): BenchConfig {
  let config: BenchConfig = FULL_CONFIG;
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!;
    if (argument === "--quick") config = { ...QUICK_CONFIG, sections: config.sections };
    else if (argument === "--only") {
      const sections = (argv[++i] ?? "").split(",").filter(Boolean) as Section[];
      const unknown = sections.filter((section) => !ALL_SECTIONS.includes(section));
      if (unknown.length || !sections.length) throw new Error(`--only takes a comma-separated list of ${ALL_SECTIONS.join(", ")}`);
      config = { ...config, sections };
    } else if (argument === "--help" || argument === "-h") {
      process.stdout.write("usage: npm run bench [-- --quick] [-- --only wire,fullpath,decision,compiler,concurrency,transforms]\n");
      process.exit(0);
    } else throw new Error(`unknown argument \`${argument}\` (try --help)`);
  }
  return config;
}

async function main(): Promise<void> {
  const config = parseArguments(process.argv.slice(2));
  const report = await runBench(config, (message) => process.stderr.write(`bench: ${message}\n`));
  const tables = reportTables(report);
  process.stdout.write("\n" + tables.map(renderText).join("\n"));
  const results = path.join(projectRoot, "bench", "results");
  fs.mkdirSync(results, { recursive: true });
  fs.writeFileSync(path.join(results, "latest.json"), JSON.stringify(report, null, 2) + "\n");
  const markdown = [`# msa benchmark, ${report.startedAt} (${report.mode})`, "", "How to read every figure: bench/README.md.", "", ...tables.map(renderMarkdown)].join("\n");
  fs.writeFileSync(path.join(results, "latest.md"), markdown);
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), path.join(results, "latest.json"))} and latest.md\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
