// Reads Postfix's main.cf as Postfix does (postconf(5)): `name = value` lines, a line starting with
// white space continues the previous one, `#` lines and blank lines are ignored, and `$name`,
// `${name}`, `$(name)` and the `${name?text}` / `${name:text}` forms expand when a value is used.
export function parseMainCf(text) {
    const parameters = new Map();
    const problems = [];
    let current;
    const finish = () => {
        if (current)
            parameters.set(current.name, { value: current.value.trim(), line: current.line });
        current = undefined;
    };
    text.split("\n").forEach((raw, index) => {
        const line = raw.replace(/\r$/, "");
        // postconf(5): comments and blank lines end no logical line, so a continuation may follow them.
        if (/^\s*(#|$)/.test(line))
            return;
        if (/^\s/.test(line)) {
            if (current)
                current.value += ` ${line.trim()}`;
            else
                problems.push({ line: index + 1, message: "a continuation line with no setting before it" });
            return;
        }
        finish();
        const match = /^([A-Za-z0-9_.-]+)\s*=(.*)$/.exec(line);
        if (!match) {
            problems.push({ line: index + 1, message: `\`${line.trim()}\` is not \`name = value\`` });
            return;
        }
        current = { name: match[1], value: match[2], line: index + 1 };
    });
    finish();
    return { parameters, problems };
}
/**
 * `value` with every parameter reference replaced by what `lookup` gives (recursively, as Postfix
 * expands at use). An unknown name expands to nothing, as in Postfix; a loop stops after a depth.
 */
export function expandParameters(value, lookup, depth = 0) {
    if (depth > 20)
        return value;
    const again = (text) => expandParameters(text, lookup, depth + 1);
    return value.replace(/\$(?:\{([A-Za-z0-9_]+)(?:([?:])([^}]*))?\}|\(([A-Za-z0-9_]+)(?:([?:])([^)]*))?\)|([A-Za-z0-9_]+))/g, (_all, braced, bracedOp, bracedText, paren, parenOp, parenText, bare) => {
        const name = (braced ?? paren ?? bare);
        const op = (bracedOp ?? parenOp);
        const text = (bracedText ?? parenText ?? "");
        const raw = lookup(name);
        const isSet = raw !== undefined && raw !== "";
        // ${name?text}: text when name is set; ${name:text}: text when it is not.
        if (op === "?")
            return isSet ? again(text) : "";
        if (op === ":")
            return isSet ? again(raw) : again(text);
        return raw === undefined ? "" : again(raw);
    });
}
/** Postfix's lists (restrictions, domains, tables): separated by commas and/or white space. */
export function splitPostfixList(value) {
    return value.split(/[\s,]+/).filter((item) => item !== "");
}
//# sourceMappingURL=postfixMainCf.js.map