// The words `msac analyze` and `msac diff` share: counts with their nouns, and a space of
// session classes as its dimensions multiplied out.
import { ruleLocation } from "../../graph/graph.js";
export function plural(n, word) {
    return `${n} ${word}${n === 1 ? "" : /s$/.test(word) ? "es" : "s"}`;
}
/** `2160 session classes (3 listener states x no login or 4 logins x 12 senders x 12 recipients)`. */
export function spaceInWords(shape, total) {
    const dimensions = [
        plural(shape.listeners, "listener state"),
        `no login or ${plural(shape.logins, "login")}`,
        plural(shape.senders, "sender"),
        plural(shape.recipients, "recipient"),
    ];
    return `${plural(total, "session class")} (${dimensions.join(" x ")})`;
}
/** How much of the space was run: all of it, or the first `ran` classes up to the bound. */
export function coverageInWords(sessions, all) {
    return sessions.capped ? `only the first ${sessions.ran} run (the bound; raise it with --max-sessions)` : all;
}
/** `FILE:LINE`, and for a rule the policy did not write, which default it is. */
export function ruleInWords(origin) {
    return `${ruleLocation(origin)}${origin.builtin ? ` [default: ${origin.builtin}]` : ""}`;
}
//# sourceMappingURL=wording.js.map