// Renders `docs/diagnostics.md` from the catalogue, so the reference never
// drifts from what msac reports (a test compares the file with this output).
import { Catalogue, type CatalogueEntry, type Phase } from "./diagnostics.js";

const PHASES: Record<Phase, { range: string; title: string }> = {
  syntax: { range: "MSA1xxx", title: "Syntax: the text does not parse" },
  names: { range: "MSA2xxx", title: "Names: duplicate and conflicting rules" },
  values: { range: "MSA3xxx", title: "Values: a rule's argument is out of range or misspelt" },
  policy: { range: "MSA4xxx", title: "Policy: what the policy as a whole would do (RFC 6409 lints)" },
  files: { range: "MSA5xxx", title: "Files: the files a policy names" },
};

/** Every catalogue entry, in code order. */
export function catalogueEntries(): CatalogueEntry[] {
  return Object.values(Catalogue as Record<string, CatalogueEntry>).sort((a, b) => a.code.localeCompare(b.code));
}

/** The catalogue entry of a code such as `MSA1001` (case-insensitive), for `docs` and `msac explain`. */
export function catalogueEntry(code: string): CatalogueEntry | undefined {
  return catalogueEntries().find((e) => e.code === code.toUpperCase());
}

/** One entry as Markdown: heading, severity, explanation and an example. */
export function renderCatalogueEntry(entry: CatalogueEntry): string {
  return [
    `### ${entry.code}: ${entry.title}`,
    "",
    `**${entry.severity}**${entry.severity === "error" ? "" : " (the policy still compiles)"}`,
    "",
    entry.explanation,
    "",
    "```",
    entry.example,
    "```",
    "",
  ].join("\n");
}

export function renderDiagnosticsDoc(): string {
  const entries = catalogueEntries();
  const out = [
    "# Diagnostics",
    "",
    "<!-- Generated from compiler/diagnostics.ts by compiler/diagnosticsDoc.ts; edit the catalogue, then run",
    "     `UPDATE_GOLDEN=1 npx vitest run test/compiler` to rewrite this file. -->",
    "",
    "Every problem `msac check` reports has a stable code. The first digit tells the phase that found it.",
    "An **error** stops the policy from compiling (`msac check` exits with 1); a **warning** says what the",
    "server will actually do, and the policy still compiles (exit 0).",
    "",
    "Each diagnostic is printed as `FILE:LINE:COL: error|warning MSAnnnn: message`, followed by the line",
    "with the offending text underlined, a `help:` line with advice when there is one, and `note:` lines",
    "pointing at related places (the first of two duplicate rules, the policy line that names a file).",
    "`msac check --format json` prints the same as a JSON array; a policy file that cannot be read is in it too (MSA5001 or MSA5003, exit status 2).",
    "",
    "| code | severity | title |",
    "| --- | --- | --- |",
    ...entries.map((e) => `| [${e.code}](#${anchor(e)}) | ${e.severity} | ${e.title.replace(/\|/g, "\\|")} |`),
    "",
  ];
  for (const phase of Object.keys(PHASES) as Phase[]) {
    out.push(`## ${PHASES[phase].range}. ${PHASES[phase].title}`, "");
    for (const entry of entries.filter((e) => e.phase === phase)) out.push(renderCatalogueEntry(entry));
  }
  return out.join("\n").replace(/\n+$/, "\n");
}

/** GitHub's heading anchor: lowercase, punctuation other than `-` and `_` dropped, spaces to `-`. */
function anchor(entry: CatalogueEntry): string {
  return `${entry.code}: ${entry.title}`
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}
