// Renders the report's tables twice from the same rows: aligned text for the terminal
// and GitHub-flavoured Markdown for bench/results/latest.md.
export function renderText(table) {
    const widths = table.header.map((cell, column) => Math.max(cell.length, ...table.rows.map((row) => (row[column] ?? "").length)));
    const line = (cells) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  ");
    const out = [table.title, ...(table.note ? [table.note] : []), line(table.header), widths.map((width) => "-".repeat(width)).join("  "), ...table.rows.map(line)];
    return out.join("\n") + "\n";
}
export function renderMarkdown(table) {
    const escapeCell = (cell) => cell.replace(/\|/g, "\\|");
    const out = [
        `### ${table.title}`,
        "",
        ...(table.note ? [table.note, ""] : []),
        `| ${table.header.map(escapeCell).join(" | ")} |`,
        `| ${table.header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ];
    for (const row of table.rows)
        out.push(`| ${row.map(escapeCell).join(" | ")} |`);
    return out.join("\n") + "\n";
}
//# sourceMappingURL=table.js.map