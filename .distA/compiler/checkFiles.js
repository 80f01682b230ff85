// Phase 3: the files a policy names. Each must exist and be readable; a users
// file must hold only `LOGIN:HASH` lines (its problems point into that file);
// a certificate must parse and match its key. Paths resolve against the policy's folder.
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { certificateHostNames } from "../formats/certificateNames.js";
import path from "node:path";
import { closestMatch, soleClosestMatch } from "../grammar/spelling.js";
import { replaceFix } from "./fixes.js";
import { diagnostic } from "./diagnostics.js";
import { sendersFromFile } from "../formats/sendersFile.js";
import { canonicalFromFile } from "../formats/canonicalFile.js";
import { findAliasLoops, parseAliasesFile } from "../formats/aliasesFile.js";
import { LineMap } from "./sourceText.js";
import { parseUsersFile } from "../formats/usersFile.js";
import { parseGroupFile } from "../formats/groupFile.js";
import { fillFileGroups } from "./ruleScope.js";
/** What is wrong with a JSON Web Key Set (RFC 7517 section 5), or null: every key must import as a public key. */
function jwksProblem(text) {
    let set;
    try {
        set = JSON.parse(text);
    }
    catch {
        return "is not JSON";
    }
    const keys = set?.keys;
    if (!Array.isArray(keys) || keys.length === 0)
        return "has no `keys` array of keys";
    for (const [index, jwk] of keys.entries()) {
        // A private key here would be a secret lying in a file that needs none.
        if (typeof jwk === "object" && jwk !== null && "d" in jwk)
            return `key ${index + 1} is a private key: the file needs only the public keys`;
        try {
            createPublicKey({ key: jwk, format: "jwk" });
        }
        catch (error) {
            return `key ${index + 1} is not a usable key (${error.message})`;
        }
    }
    return null;
}
export function resolvePolicyPath(policyFile, relative) {
    return path.resolve(path.dirname(path.resolve(policyFile)), relative);
}
/**
 * How a file the policy names is shown in diagnostics: relative to where the
 * policy was named (as the user typed it), so output does not depend on the
 * machine's folders. Absolute paths stay as written.
 */
export function displayPolicyPath(policyFile, relative) {
    return path.isAbsolute(relative) ? relative : path.join(path.dirname(policyFile), relative);
}
/** The diagnostics about the files a policy names; `value` holds each file read, by its display path, for rendering. */
export function checkFiles(policyFile, policy, host) {
    const diagnostics = [];
    const sources = new Map();
    const read = (located, what) => {
        const resolved = resolvePolicyPath(policyFile, located.value);
        const shown = displayPolicyPath(policyFile, located.value);
        const result = host.readFile(resolved);
        if (result.ok) {
            sources.set(shown, result.text);
            return { text: result.text, shown };
        }
        if (result.missing) {
            diagnostics.push(diagnostic("fileNotFound", policyFile, located.span, `${what} \`${located.value}\` does not exist`, { hint: `looked for \`${shown}\`` }));
        }
        else {
            diagnostics.push(diagnostic("fileUnreadable", policyFile, located.span, `${what} \`${located.value}\` cannot be read: ${result.reason}`));
        }
        return undefined;
    };
    /** The problems a file's parser found (1-based lines and columns, end exclusive), as diagnostics pointing into the file. */
    /** `groups from "FOLDER"`: each file a group of the file's name, unless the policy declares that group itself. */
    function readGroupFolder(folder) {
        const located = folder.value;
        const listed = host.listFolder?.(resolvePolicyPath(policyFile, located.value)) ?? { ok: false, missing: false, reason: "folders cannot be listed here" };
        if (!listed.ok) {
            const shown = displayPolicyPath(policyFile, located.value);
            diagnostics.push(listed.missing
                ? diagnostic("fileNotFound", policyFile, located.span, `group folder \`${located.value}\` does not exist`, { hint: `looked for \`${shown}\`` })
                : diagnostic("fileUnreadable", policyFile, located.span, `group folder \`${located.value}\` cannot be read: ${listed.reason}`));
            return;
        }
        const groups = (policy.groups ??= new Map());
        for (const name of listed.names) {
            if (groups.has(name)) {
                diagnostics.push(diagnostic("duplicateValue", policyFile, located.span, `group \`${name}\` is declared in the policy and has a file in \`${located.value}\`; the policy's is used`, {
                    hint: `remove one of the two`,
                    related: [{ file: policyFile, span: groups.get(name).rule, message: `group \`${name}\` is declared here` }],
                }));
                continue;
            }
            groups.set(name, { value: [], rule: folder.rule, file: { value: path.join(located.value, name), span: located.span } });
        }
    }
    const reportLines = (file, kind, problems, related, hint) => {
        const lines = new LineMap(file.text);
        for (const problem of problems) {
            const span = { start: lines.offset(problem.line, problem.column), end: lines.offset(problem.line, problem.endColumn) };
            diagnostics.push(diagnostic(kind, file.shown, span, problem.message, { ...(hint ? { hint } : {}), related }));
        }
        return lines;
    };
    // `auth sql ... password "FILE"`: the database password is the file's first line.
    const sqlPasswordFile = policy.logins?.value.kind === "sql" ? policy.logins.value.passwordFile : undefined;
    if (sqlPasswordFile) {
        const file = read(sqlPasswordFile, "database password file");
        if (file && file.text.split(/\r?\n/, 1)[0] === "") {
            diagnostics.push(diagnostic("sqlPasswordFile", policyFile, sqlPasswordFile.span, `the first line of \`${sqlPasswordFile.value}\` is empty, so msa would log in to the database without a password`, { hint: 'write the password on the file\'s first line, or leave out `password "FILE"`' }));
        }
    }
    // The users file's logins, when it was read without problems: what names of logins are checked against.
    let knownLogins;
    const usersFile = policy.logins?.value.kind === "usersFile" ? policy.logins.value.path : undefined;
    if (usersFile) {
        const file = read(usersFile, "users file");
        if (file) {
            const parsed = parseUsersFile(file.text);
            const lines = reportLines(file, "usersFileLine", parsed.problems, [{ file: policyFile, span: usersFile.span, message: "the users file is named here" }], "each line is `LOGIN:HASH`; `msac passwd LOGIN` prints one");
            // A `senders` line for a login nobody can log in as never applies: most often a misspelt login.
            const known = new Set(parsed.entries.map((entry) => entry.login));
            if (parsed.problems.length === 0)
                knownLogins = known;
            const knownList = [...known];
            const usersNamed = [{ file: policyFile, span: usersFile.span, message: "the users file is named here" }];
            // Suggestions compare with every login: only the first few get one, so a long table stays linear.
            let suggestionsLeft = 20;
            for (const login of parsed.problems.length === 0 ? (policy.senders?.logins ?? []) : []) {
                if (known.has(login.value))
                    continue;
                const suggestion = suggestionsLeft-- > 0 ? closestMatch(login.value, knownList) : undefined;
                // A fix only when one login is closest: two equally near are a guess.
                const sole = suggestion && soleClosestMatch(login.value, knownList);
                diagnostics.push(diagnostic("loginUnknown", policyFile, login.span, `login \`${login.value}\` is not in the users file, so this line never applies`, {
                    hint: suggestion ? `did you mean \`${suggestion}\`?` : "logins are compared exactly as the users file writes them",
                    related: usersNamed,
                    ...(sole ? { fix: replaceFix(login.span, login.value, sole) } : {}),
                }));
            }
            // A login's own address needs `qualify domains` unless the login contains `@` (contract section 3);
            // it matters to `senders` and `add Sender`. The checker already warned when a `senders` login lacks `@`.
            const ownAddressUsed = policy.senders !== undefined || policy.add.has("Sender");
            const sendersWarned = policy.senders?.logins.some((login) => !login.value.includes("@")) ?? false;
            const bare = parsed.entries.find((entry) => !entry.login.includes("@"));
            if (ownAddressUsed && !policy.written.has("qualify") && !sendersWarned && bare) {
                const start = lines.offset(bare.line, bare.column);
                diagnostics.push(diagnostic("ownAddressUnqualified", file.shown, { start, end: start + bare.login.length }, `login \`${bare.login}\` has no address of its own without \`qualify domains\``, {
                    hint: "add `qualify domains example.com` to the policy, or use logins of the form `user@example.com`",
                    related: [{ file: policyFile, span: usersFile.span, message: "the users file is named here" }],
                }));
            }
        }
    }
    // `auth ldap`: the CA must be PEM certificates, the service password a non-empty first line.
    const ldap = policy.logins?.value.kind === "ldap" ? policy.logins.value : undefined;
    if (ldap?.ca) {
        const ca = read(ldap.ca, "CA file");
        if (ca && !ca.text.includes("-----BEGIN CERTIFICATE-----")) {
            diagnostics.push(diagnostic("invalidCertificate", policyFile, ldap.ca.span, `\`${ldap.ca.value}\` holds no PEM certificate`));
        }
    }
    const passwordFile = ldap?.find.by === "search" ? ldap.find.as?.passwordFile : undefined;
    if (passwordFile) {
        const secret = read(passwordFile, "password file");
        if (secret && secret.text.split(/\r?\n/)[0] === "") {
            diagnostics.push(diagnostic("ldapPasswordFile", policyFile, passwordFile.span, `password file \`${passwordFile.value}\` has an empty first line`, {
                hint: "write the service account's password on the first line",
            }));
        }
    }
    for (const [index, tls] of [policy.tls, ...(policy.sniCertificates ?? [])].entries()) {
        if (!tls)
            continue;
        const cert = read(tls.value.certificate, "certificate");
        const key = read(tls.value.key, "key");
        let certificate;
        if (cert) {
            try {
                certificate = new X509Certificate(cert.text);
            }
            catch {
                diagnostics.push(diagnostic("invalidCertificate", policyFile, tls.value.certificate.span, `\`${tls.value.certificate.value}\` is not a PEM certificate`));
            }
        }
        // A certificate after the first is only ever chosen by a name it holds.
        if (certificate && index > 0 && certificateHostNames(cert.text).length === 0) {
            diagnostics.push(diagnostic("invalidCertificate", policyFile, tls.value.certificate.span, `\`${tls.value.certificate.value}\` names no host (no DNS subjectAltName), so no client can ask for it`, {
                hint: "the first `tls certificate` is the default; a later one needs DNS names for SNI",
            }));
        }
        if (key) {
            try {
                const privateKey = createPrivateKey(key.text);
                if (certificate && !certificate.checkPrivateKey(privateKey)) {
                    diagnostics.push(diagnostic("invalidCertificate", policyFile, tls.value.key.span, `key \`${tls.value.key.value}\` does not belong to the certificate`));
                }
            }
            catch {
                diagnostics.push(diagnostic("invalidCertificate", policyFile, tls.value.key.span, `\`${tls.value.key.value}\` is not a PEM private key`));
            }
        }
    }
    // Group files, and the files of a group folder: their logins join the rules that name the group (`for interns`).
    if (policy.groupFolder)
        readGroupFolder(policy.groupFolder);
    const groupMembers = new Map();
    for (const [name, group] of policy.groups ?? []) {
        if (!group.file)
            continue;
        const file = read(group.file, "group file");
        if (!file)
            continue;
        const parsed = parseGroupFile(file.text);
        const lines = reportLines(file, "groupFileLine", parsed.problems, [{ file: policyFile, span: group.file.span, message: `group \`${name}\` is read from here` }], "write one login per line");
        groupMembers.set(name, parsed.entries.map((entry) => entry.login));
        // A login nobody can log in as is never judged by the group's rules: most often a misspelt one.
        for (const entry of knownLogins ? parsed.entries.filter((e) => !knownLogins.has(e.login)) : []) {
            const start = lines.offset(entry.line, entry.column);
            diagnostics.push(diagnostic("loginUnknown", file.shown, { start, end: start + entry.login.length }, `login \`${entry.login}\` is not in the users file, so group \`${name}\` never judges it`, {
                hint: "logins are compared exactly as the users file writes them",
                related: [{ file: policyFile, span: group.file.span, message: `group \`${name}\` is read from here` }],
            }));
        }
    }
    fillFileGroups(policy, groupMembers);
    if (policy.aliases) {
        const file = read(policy.aliases.value, "aliases file");
        if (file) {
            const parsed = parseAliasesFile(file.text);
            const named = [{ file: policyFile, span: policy.aliases.value.span, message: "the aliases file is named here" }];
            const lines = reportLines(file, "aliasesFileLine", parsed.problems, named);
            for (const loop of findAliasLoops(parsed.entries, policy.qualify?.value ?? [])) {
                const start = lines.offset(loop.lines[0], 1);
                diagnostics.push(diagnostic("aliasLoop", file.shown, { start, end: start + lines.lineText(loop.lines[0]).length }, `aliases loop: ${[...loop.names, loop.names[0]].map((n) => "`" + n + "`").join(" -> ")}`, {
                    hint: "mail to these names would never reach a mailbox; break the loop",
                    related: named,
                }));
            }
        }
    }
    if (policy.senders?.file) {
        const file = read(policy.senders.file, "senders file");
        if (file) {
            const named = [{ file: policyFile, span: policy.senders.file.span, message: "the senders file is named here" }];
            // The server reads the file with the same parser when it loads or reloads it.
            reportLines(file, "sendersFileLine", sendersFromFile(file.text).problems, named);
        }
    }
    if (policy.rewriteSenders) {
        const file = read(policy.rewriteSenders.value, "sender rewriting file");
        if (file) {
            const named = [{ file: policyFile, span: policy.rewriteSenders.value.span, message: "the file is named here" }];
            // The server reads the file with the same parser when it loads the policy.
            reportLines(file, "canonicalFileLine", canonicalFromFile(file.text).problems, named);
        }
    }
    // The main next hop's credentials, those of each `deliver from` hop and the OAuth introspection client's.
    for (const credentials of [policy.deliver, ...(policy.senderRelays ?? [])].map((relay) => relay?.value.credentials).concat(policy.oauth?.value.client)) {
        if (!credentials)
            continue;
        const file = read(credentials, "credentials file");
        if (file && !/^[^:\r\n]+:[^\r\n]+\r?\n?$/.test(file.text)) {
            diagnostics.push(diagnostic("invalidCredentials", policyFile, credentials.span, `\`${credentials.value}\` must hold one line \`USER:PASSWORD\``));
        }
    }
    const jwks = policy.oauth?.value.keys;
    if (jwks && !/^https?:\/\//i.test(jwks.value)) {
        const file = read(jwks, "JWKS file");
        if (file) {
            const problem = jwksProblem(file.text);
            if (problem)
                diagnostics.push(diagnostic("invalidJwks", policyFile, jwks.span, `\`${jwks.value}\` ${problem}`, { hint: "save the JSON the issuer publishes at its `jwks_uri`" }));
        }
    }
    for (const signature of policy.dkim) {
        const key = signature.value.key;
        const file = read(key, "DKIM key");
        if (!file)
            continue;
        try {
            const privateKey = createPrivateKey(file.text);
            const type = privateKey.asymmetricKeyType;
            const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
            if (type !== "ed25519" && !(type === "rsa" && bits >= 1024)) {
                diagnostics.push(diagnostic("invalidDkimKey", policyFile, key.span, `\`${key.value}\` is a ${type === "rsa" ? `${bits}-bit RSA` : type} key; DKIM needs RSA of at least 1024 bits or Ed25519`));
            }
        }
        catch {
            diagnostics.push(diagnostic("invalidDkimKey", policyFile, key.span, `\`${key.value}\` is not a PEM private key`, { hint: "`msac dkim keygen` writes one" }));
        }
    }
    return { value: sources, diagnostics };
}
//# sourceMappingURL=checkFiles.js.map