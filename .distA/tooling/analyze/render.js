// How `msac analyze` reads: one line per property (proved, or refuted as error or warning), under
// a refuted one each finding with the policy line or the missing rule, the session classes that
// show it and the `msac simulate` command that plays one; JSON for tools.
import { tally } from "./analyze.js";
import { coverageInWords, plural, spaceInWords } from "./wording.js";
function headline(analysis) {
    return `${analysis.file}: ${spaceInWords(analysis.space, analysis.sessions.total)}, ${coverageInWords(analysis.sessions, "every one run")}`;
}
function findingLines(file, finding) {
    const missing = finding.missing ? `missing \`${finding.missing}\`: ` : "";
    const lines = [`  ${finding.rule ?? file}: ${missing}${finding.explanation}`];
    if (finding.example)
        lines.push(`    ${plural(finding.sessions ?? 1, "session class")}, e.g. ${finding.example}`);
    if (finding.simulate)
        lines.push(`    ${finding.simulate}`);
    return lines;
}
function propertyLines(file, property) {
    return [...statusLines(file, property), ...(property.exceptions ?? []).flatMap((f) => findingLines(file, { ...f, explanation: `except: ${f.explanation}` }))];
}
function statusLines(file, property) {
    if (property.status === "proved")
        return [`proved: (${property.id}) ${property.claim}`];
    if (property.status === "unproved")
        return [`unproved: (${property.id}) ${property.claim} (not every session class was run)`];
    return [`${property.severity}: (${property.id}) ${property.refutation}`, ...property.findings.flatMap((f) => findingLines(file, f))];
}
export function renderAnalysisText(analysis) {
    const { errors, warnings } = tally(analysis);
    const lines = [headline(analysis), "", ...analysis.properties.flatMap((p) => propertyLines(analysis.file, p)), "", `${plural(errors, "error")}, ${plural(warnings, "warning")}`];
    return lines.join("\n") + "\n";
}
export function renderAnalysisJson(analysis) {
    return JSON.stringify({ ...analysis, ...tally(analysis) }, null, 2) + "\n";
}
//# sourceMappingURL=render.js.map