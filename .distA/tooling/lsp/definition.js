import { resolvePolicyPath } from "../../compiler/checkFiles.js";
import { parseUsersFile } from "../../formats/usersFile.js";
import { fileOfUri, uriOfFile } from "./editorFiles.js";
import { ruleAt, valuesAt } from "./syntaxAt.js";
const START = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
/** The line of `login` in the users file the policy names, when there is one and it lists the login. */
function loginDefinition(policyFile, ast, login, host) {
    const users = ast.rules.find((rule) => rule.kind === "authUsers");
    if (!users)
        return null;
    const file = resolvePolicyPath(policyFile, users.path.value);
    const read = host.readFile(file);
    const entry = read.ok ? parseUsersFile(read.text).entries.find((e) => e.login === login) : undefined;
    if (!entry)
        return null;
    const start = { line: entry.line - 1, character: entry.column - 1 };
    return { uri: uriOfFile(file), range: { start, end: { line: start.line, character: start.character + login.length } } };
}
/** Where what is written at `offset` is defined; `host` null (a buffer never saved) has no files to go to. */
export function definitionAt(document, ast, offset, host) {
    const rule = ruleAt(ast, offset);
    if (!rule || !host)
        return null;
    const file = fileOfUri(document.uri);
    const text = document.getText();
    // The innermost value under the cursor: a `for` name, not the whole suffix.
    const value = valuesAt(rule, offset)[0];
    if (!value)
        return null;
    if (text[value.span.start] === '"') {
        const named = resolvePolicyPath(file, value.value);
        return host.readFile(named).ok ? { uri: uriOfFile(named), range: START } : null;
    }
    const isValue = (candidates) => candidates?.some((c) => c.span.start === value.span.start) ?? false;
    if (isValue(rule.for?.names)) {
        const group = ast.rules.find((r) => r.kind === "group" && r.name.value === value.value);
        if (group?.kind === "group")
            return { uri: document.uri, range: { start: document.positionAt(group.name.span.start), end: document.positionAt(group.name.span.end) } };
        return loginDefinition(file, ast, value.value, host);
    }
    const isLogin = (rule.kind === "senders" && isValue(rule.entries.map((entry) => entry.login))) || (rule.kind === "group" && isValue(rule.members));
    return isLogin ? loginDefinition(file, ast, value.value, host) : null;
}
//# sourceMappingURL=definition.js.map