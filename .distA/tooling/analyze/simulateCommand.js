import { listenerOf } from "./sessionSpace.js";
/** A word as a POSIX shell reads it back unchanged: quoted unless it is plainly safe. */
function shellWord(word) {
    if (/^[A-Za-z0-9@%+=:,./_-]+$/.test(word))
        return word;
    return `'${word.replace(/'/g, `'\\''`)}'`;
}
/** The `msac simulate` options for the run's class: listener, TLS, login, MAIL FROM, RCPT TO. */
export function simulateArguments(graph, run) {
    const args = ["--listener", run.listener.endpoint, ...(run.listener.trusted ? ["--from", run.listener.trusted.client] : [])];
    // On an implicit TLS listener the session has TLS from the first byte; --tls is STARTTLS's.
    if (run.listener.tls && listenerOf(graph, run.listener)?.mode === "starttls")
        args.push("--tls");
    if (run.login)
        args.push("--auth", run.login.login);
    args.push("--mail-from", run.mailFrom, "--rcpt", run.rcpt);
    return args;
}
export function simulateCommand(graph, run) {
    return ["msac", "simulate", graph.source.file, ...simulateArguments(graph, run)].map(shellWord).join(" ");
}
/** The class in words: `587 with TLS, login demo, MAIL FROM:<a@b>, RCPT TO:<c@d>`. */
export function describeSession(run) {
    const login = run.login ? `login ${run.login.login}${run.login.hypothetical ? " (a login the users file does not have yet)" : ""}` : "no login";
    const client = run.listener.trusted ? ` from ${run.listener.trusted.client} (trusted network ${run.listener.trusted.network})` : "";
    return `${run.listener.endpoint} ${run.listener.tls ? "with" : "without"} TLS${client}, ${login}, MAIL FROM:<${run.mailFrom}>, RCPT TO:<${run.rcpt}>`;
}
/**
 * How well a class reads as an example, lower is better: a login the users file holds before one
 * it does not have yet, a real MAIL FROM before the null sender.
 */
export function exampleRank(run) {
    return (run.login?.hypothetical ? 2 : 0) + (run.mailFrom === "" ? 1 : 0);
}
//# sourceMappingURL=simulateCommand.js.map