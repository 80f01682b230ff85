// Reads Postfix's master.cf (master(5)): one service per line in eight columns, a line starting
// with white space continues the previous one (that is where `-o name=value` overrides usually
// go), `#` lines and blank lines are ignored.
export function parseMasterCf(text) {
    const logical = [];
    text.split("\n").forEach((raw, index) => {
        const line = raw.replace(/\r$/, "");
        if (/^\s*(#|$)/.test(line))
            return;
        const words = splitMasterWords(line.trim());
        if (/^\s/.test(line) && logical.length > 0)
            logical[logical.length - 1].words.push(...words);
        else
            logical.push({ words, line: index + 1 });
    });
    const services = [];
    const problems = [];
    for (const { words, line } of logical) {
        if (words.length < 8) {
            problems.push({ line, message: `a service line needs eight columns, this one has ${words.length}` });
            continue;
        }
        const [service, type, , , , , , command, ...args] = words;
        const overrides = new Map();
        for (let i = 0; i < args.length; i++) {
            // `-o name=value` or `-oname=value`; other daemon options (-v, -D) do not change the policy.
            const option = args[i] === "-o" ? args[++i] : args[i].startsWith("-o") ? args[i].slice(2) : undefined;
            if (option === undefined)
                continue;
            const equals = option.indexOf("=");
            if (equals > 0)
                overrides.set(option.slice(0, equals).trim(), option.slice(equals + 1).trim());
            else
                problems.push({ line, message: `\`-o ${option}\` is not \`-o name=value\`` });
        }
        services.push({ service, type, command: [command, ...args].join(" "), overrides, line });
    }
    return { services, problems };
}
/** Splits on white space; `{ ... }` keeps spaces inside one argument (master(5), Postfix 3.0 and later). */
function splitMasterWords(line) {
    const words = [];
    const pattern = /-o\s*\{\s*([^}]*?)\s*\}|\{\s*([^}]*?)\s*\}|(\S+)/g;
    for (const match of line.matchAll(pattern)) {
        if (match[1] !== undefined)
            words.push("-o", match[1]);
        else
            words.push((match[2] ?? match[3]));
    }
    return words;
}
//# sourceMappingURL=postfixMasterCf.js.map