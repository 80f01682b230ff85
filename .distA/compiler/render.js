import { LineMap } from "./sourceText.js";
const COLOURS = { error: "\x1b[31;1m", warning: "\x1b[33;1m", bold: "\x1b[1m", blue: "\x1b[34;1m", reset: "\x1b[0m" };
export class DiagnosticRenderer {
    sources;
    colour;
    maps = new Map();
    constructor(sources, colour = false) {
        this.sources = sources;
        this.colour = colour;
    }
    map(file) {
        let map = this.maps.get(file);
        if (!map) {
            map = new LineMap(this.sources.get(file) ?? "");
            this.maps.set(file, map);
        }
        return map;
    }
    toJson(d) {
        const map = this.map(d.file);
        const start = map.position(d.span.start);
        const end = map.position(d.span.end);
        const json = {
            file: d.file,
            line: start.line,
            column: start.column,
            endLine: end.line,
            endColumn: end.column,
            severity: d.severity,
            code: d.code,
            message: d.message,
        };
        if (d.hint)
            json.hint = d.hint;
        if (d.related?.length) {
            json.related = d.related.map((r) => ({ file: r.file, ...this.map(r.file).position(r.span.start), message: r.message }));
        }
        if (d.fix) {
            const from = map.position(d.fix.span.start);
            const to = map.position(d.fix.span.end);
            json.fix = { line: from.line, column: from.column, endLine: to.line, endColumn: to.column, text: d.fix.text, title: d.fix.title };
        }
        return json;
    }
    toText(d) {
        const paint = (colour, text) => (this.colour ? COLOURS[colour] + text + COLOURS.reset : text);
        const map = this.map(d.file);
        const start = map.position(d.span.start);
        const out = [`${d.file}:${start.line}:${start.column}: ${paint(d.severity, d.severity)} ${paint("bold", `${d.code}: ${d.message}`)}`];
        if (d.span.end > 0 || map.text.length > 0) {
            const gutter = String(start.line).length;
            const lineText = map.lineText(start.line);
            // Control characters would move the terminal's cursor: show them as their Control Pictures (U+2400 block).
            const shownLine = lineText.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) => String.fromCharCode(c === "\x7f" ? 0x2421 : 0x2400 + c.charCodeAt(0)));
            // Tabs before the span are repeated under it, so the caret lines up whatever the tab width.
            const indent = lineText.slice(0, start.column - 1).replace(/[^\t]/g, " ");
            const endOnLine = Math.min(d.span.end, d.span.start + Math.max(lineText.length - start.column + 1, 1));
            const width = Math.max(1, endOnLine - d.span.start);
            const pad = " ".repeat(gutter);
            out.push(`${paint("blue", `${start.line} |`)} ${shownLine}`);
            out.push(`${paint("blue", `${pad} |`)} ${indent}${paint(d.severity, "^".repeat(width))}`);
            if (d.hint)
                out.push(`${paint("blue", `${pad} =`)} help: ${d.hint}`);
            if (d.fix)
                out.push(`${paint("blue", `${pad} =`)} fix: ${d.fix.title}`);
            for (const r of d.related ?? []) {
                const at = this.map(r.file).position(r.span.start);
                out.push(`${paint("blue", `${pad} =`)} note: ${r.message}: ${r.file}:${at.line}:${at.column}`);
            }
        }
        return out.join("\n");
    }
}
/** Diagnostics as the text `msac check` prints, each followed by a blank line. */
export function renderText(diagnostics, sources, colour = false) {
    const renderer = new DiagnosticRenderer(sources, colour);
    return diagnostics.map((d) => renderer.toText(d) + "\n\n").join("");
}
export function renderJson(diagnostics, sources) {
    const renderer = new DiagnosticRenderer(sources);
    return diagnostics.map((d) => renderer.toJson(d));
}
//# sourceMappingURL=render.js.map