// Splits `MAIL FROM:<path> PARAMS` / `RCPT TO:<path> PARAMS` into the path and its
// parameters without judging the address: judging it is the policy's job (an
// unqualified `<alice>` is valid under `qualify domains`), and smtp-server's own
// parser would refuse it first. Quoted local parts may contain spaces and `>`.
const CONTROL = /[\x00-\x1f\x7f]/;
/** RFC 3461 section 4: xtext, `+XX` stands for one byte. */
function decodeXtext(value) {
    return value.replace(/\+([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}
export function parseAddressCommand(expectedVerb, line) {
    const colon = line.indexOf(":");
    if (colon < 0 || line.slice(0, colon).trim().replace(/\s+/g, " ").toUpperCase() !== expectedVerb.toUpperCase())
        return false;
    const rest = line.slice(colon + 1).trimStart();
    if (!rest.startsWith("<"))
        return false;
    let end = -1;
    let quoted = false;
    for (let i = 1; i < rest.length; i++) {
        const char = rest[i];
        if (char === "\\" && quoted)
            i++;
        else if (char === '"')
            quoted = !quoted;
        else if (char === ">" && !quoted) {
            end = i;
            break;
        }
    }
    if (end < 0)
        return false;
    // RFC 5321 section 4.1.2 / appendix C: a source route is accepted and ignored.
    const address = rest.slice(1, end).replace(/^@[^\s,:@]+(?:,@[^\s,:@]+)*:/, "");
    if (CONTROL.test(address))
        return false;
    const params = rest.slice(end + 1).trim();
    let args = false;
    let duplicate;
    for (const param of params ? params.split(/\s+/) : []) {
        const eq = param.indexOf("=");
        const key = (eq < 0 ? param : param.slice(0, eq)).toUpperCase();
        const value = eq < 0 ? true : decodeXtext(param.slice(eq + 1));
        if (!key)
            continue;
        if (typeof value === "string" && CONTROL.test(value))
            return false;
        args = args || {};
        if (key in args)
            duplicate = key;
        args[key] = value;
    }
    return duplicate ? { address, args, duplicate } : { address, args };
}
//# sourceMappingURL=addressCommand.js.map