// Offsets to lines and columns, computed only when something is printed or a
// rule's line is recorded in the graph (spans everywhere else stay offsets).
export class LineMap {
    text;
    starts = [0];
    constructor(text) {
        this.text = text;
        for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1))
            this.starts.push(i + 1);
    }
    position(offset) {
        const clamped = Math.max(0, Math.min(offset, this.text.length));
        let low = 0;
        let high = this.starts.length - 1;
        while (low < high) {
            const mid = (low + high + 1) >> 1;
            if (this.starts[mid] <= clamped)
                low = mid;
            else
                high = mid - 1;
        }
        return { line: low + 1, column: clamped - this.starts[low] + 1 };
    }
    /** The offset of a 1-based line and column. */
    offset(line, column) {
        return (this.starts[line - 1] ?? this.text.length) + column - 1;
    }
    /** The text of a 1-based line without its line ending. */
    lineText(line) {
        const start = this.starts[line - 1] ?? this.text.length;
        const next = this.starts[line] ?? this.text.length;
        return this.text.slice(start, next).replace(/\r?\n$/, "");
    }
}
//# sourceMappingURL=sourceText.js.map