import { keywordWord, Newline, On } from "../../grammar/lexer.js";
import { policyParser, tokenize } from "../../compiler/policySyntax.js";
import { parsePolicy } from "../../compiler/parse.js";
import { COMPLETION_VALUES, KIND_FACTS, VERB_SUMMARIES } from "../../compiler/rules/index.js";
/** The statement's productions after the rule: `for NAMES` and `with [CODE] "TEXT"`. */
const STATEMENT_SUFFIXES = new Set(["forLogins", "replyText"]);
export function completionsAt(lineBeforeCursor) {
    const lexed = tokenize(lineBeforeCursor);
    if (lexed.comments.length > 0)
        return []; // inside a comment
    const tokens = lexed.tokens.filter((t) => t.tokenType !== Newline);
    // A word being typed is not yet part of what precedes the cursor: complete it, not what follows it.
    const typing = tokens.length > 0 && !/\s$/.test(lineBeforeCursor);
    const before = typing ? tokens.slice(0, -1) : tokens;
    const atLineStart = before.length === 0;
    const offered = new Map();
    let suffixes;
    for (const next of policyParser.nextTokenTypes(before)) {
        // The statement takes `for NAMES` and `with "TEXT"` after any rule; only a rule that refuses has logins to judge and a reply to set.
        const production = next.ruleStack.at(-1) ?? "";
        if (STATEMENT_SUFFIXES.has(production) && !(suffixes ??= suffixesAfter(before)).has(production))
            continue;
        const word = keywordWord(next.type);
        if (word !== undefined) {
            // A verb says what its rule is (the module's summary).
            offered.set(word, { label: word, kind: "keyword", detail: (atLineStart && VERB_SUMMARIES.get(word)) || (atLineStart ? "rule" : "keyword") });
            continue;
        }
        // The rule's own list of known values for the production that takes the name.
        const values = COMPLETION_VALUES.get(next.ruleStack[next.ruleStack.length - 1] ?? "");
        for (const value of values?.words ?? [])
            if (!offered.has(value))
                offered.set(value, { label: value, kind: values.kind, detail: values.detail });
    }
    // A block starts where a rule does; the content assist above starts inside a statement.
    if (atLineStart)
        offered.set(keywordWord(On), { label: keywordWord(On), kind: "keyword", detail: "rules for some listeners: `on PORT { RULES }`" });
    return [...offered.values()];
}
/** The suffixes the rule written in `tokens` takes: `with` when it refuses, `for` when it also judges after the login. */
function suffixesAfter(tokens) {
    const line = tokens.map((t) => t.image).join(" ");
    const rule = parsePolicy("completion", `${line}\n`).value?.rules[0];
    const facts = rule && KIND_FACTS.get(rule.kind);
    if (!rule || !facts?.refuses)
        return new Set();
    return new Set(facts.beforeLogin?.(rule) ? ["replyText"] : ["replyText", "forLogins"]);
}
//# sourceMappingURL=completion.js.map