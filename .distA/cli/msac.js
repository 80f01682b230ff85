#!/usr/bin/env node
// msac: the policy compiler and server of msa. Each command lives in its own
// module, loaded only when its command runs (so `msac check` never loads the
// server); this file maps the command line onto them and sets exit statuses.
import { Command, CommanderError, Option } from "commander";
import { ExitStatus, processIo } from "./io.js";
// A reader that goes away (`msac test | head`) ends the output, not the program with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error) => {
        if (error.code === "EPIPE")
            process.exit(process.exitCode ?? 0);
        throw error;
    });
}
const program = new Command("msac")
    .description("compile, check and serve msa mail submission policies")
    .exitOverride()
    // Options after a command are the command's: `msac sendmail -oi -t` passes them through as they are.
    .enablePositionalOptions()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
program
    .command("check")
    .description("parse and validate policy files, printing diagnostics")
    .argument("<file...>", "policy files (*.msa)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--deny-warnings", "exit 1 when there are warnings, as for errors (for CI)")
    .action(async (files, options) => {
    const { runCheck } = await import("./check.js");
    process.exitCode = runCheck(files, options, processIo);
});
program
    .command("compile")
    .description("compile a policy into its rule graph (JSON)")
    .argument("<file>", "policy file")
    .option("-o, --output <file>", "where to write the graph (default: standard output)")
    .action(async (file, options) => {
    const { runCompile } = await import("./compile.js");
    process.exitCode = runCompile(file, options, processIo);
});
program
    .command("serve")
    .description("run the submission server described by a policy until SIGTERM or SIGINT")
    .argument("[file]", "policy file")
    .option("--compiled <file>", "serve a compiled rule graph (from msac compile) instead of a policy file")
    .option("--pid-file <file>", "write the server's process id here (for msac reload)")
    .action(async (file, options) => {
    const { runServe } = await import("./serve.js");
    process.exitCode = await runServe(file, options, processIo);
});
program
    .command("reload")
    .description("make a running server compile its policy again (SIGHUP); the outcome is in its log")
    .option("--pid <pid>", "the server's process id")
    .option("--pid-file <file>", "the file msac serve --pid-file wrote")
    .action(async (options) => {
    const { runReload } = await import("./reload.js");
    process.exitCode = runReload(options, processIo);
});
program
    .command("passwd")
    .description("read a password from standard input and print a LOGIN:HASH line for a users file")
    .argument("<login>", "the login")
    .addOption(new Option("--scheme <scheme>", "hash scheme").choices(["argon2id", "bcrypt"]).default("argon2id"))
    .action(async (login, options) => {
    const { runPasswd } = await import("./passwd.js");
    process.exitCode = await runPasswd(login, options, processIo);
});
program
    .command("dev-certificate")
    .description("write a self-signed certificate (dev.pem, dev.key) into DIR unless one is there, for development")
    .argument("<dir>", "folder for the certificate and key")
    .option("--hostname <name>", "name in the certificate", "msa.localhost")
    .action(async (dir, options) => {
    const { runDevCertificate } = await import("./devCertificate.js");
    process.exitCode = await runDevCertificate(dir, options, processIo);
});
program
    .command("simulate")
    .description("run a simulated SMTP session (stdin, --script, or the one-line options) against a policy, printing replies and the rules behind them")
    .argument("<file>", "policy file")
    .option("--script <file>", "read the session from this file instead of standard input")
    .addOption(new Option("--trace <level>", "which rules to show: none, decisions (refusals and changes) or all").choices(["none", "decisions", "all"]))
    .option("--auth <login>", "one-line form: authenticate as this login")
    .option("--mail-from <address>", "one-line form: the MAIL FROM address")
    .option("--rcpt <address...>", "one-line form: RCPT TO addresses")
    .option("--tls", "one-line form: TLS is active")
    .option("--from <ip>", "the client's IP address")
    .option("--helo <name>", "one-line form: the EHLO name")
    .option("--listener <port>", "the listener the session arrives on (PORT or ADDRESS:PORT; default the first)")
    .option("--now <date>", "when the simulated clock starts, for Date, Received and rate windows (ISO 8601)")
    .option("--show-message", "after each accepted message, print it as it would be handed on: envelope, added and changed fields, DKIM signatures")
    .action(async (file, options) => {
    const { runSimulate } = await import("./simulate.js");
    process.exitCode = await runSimulate(file, options, processIo);
});
program
    .command("analyze")
    .description("prove or refute properties of a policy over every class of session (open relay, submission rights, clear-text AUTH, dead rules, rules refusing everything)")
    .argument("<file>", "policy file")
    .option("--json", "print the analysis as JSON")
    .option("--deny-warnings", "exit 1 when a warning-level property is refuted or unproved, as for errors (for CI)")
    .option("--max-sessions <n>", "the most session classes to run (default 100000); past it the analysis says it is partial")
    .action(async (file, options) => {
    const { runAnalyze } = await import("./analyze.js");
    process.exitCode = runAnalyze(file, options, processIo);
});
program
    .command("diff")
    .description("which classes of sessions change outcome between two versions of a policy, and the rules that decide them")
    .argument("<old>", "the policy before the change")
    .argument("<new>", "the policy after the change")
    .option("--json", "print the changes as JSON")
    .option("--max-sessions <n>", "the most session classes to run (default 100000); past it the diff says it is partial")
    .action(async (oldFile, newFile, options) => {
    const { runDiff } = await import("./diff.js");
    process.exitCode = runDiff(oldFile, newFile, options, processIo);
});
program
    .command("test")
    .description("run policy test files (*.msa.test) against their policies")
    .argument("[path...]", "test files or folders to search for *.msa.test (default: policies)")
    .option("--coverage", "list the policy rules no case exercised")
    .option("--min-coverage <percent>", "fail when a policy's rule coverage is under this percentage")
    .addOption(new Option("--format <format>", "report format").choices(["text", "json"]).default("text"))
    .action(async (paths, options) => {
    const { runPolicyTests } = await import("./policyTest.js");
    process.exitCode = await runPolicyTests(paths, options, processIo);
});
program
    .command("explain")
    .description("print the explanation of a diagnostic code such as MSA3005")
    .argument("<code>", "diagnostic code")
    .action(async (code) => {
    const { runExplain } = await import("./explain.js");
    process.exitCode = runExplain(code, processIo);
});
program
    .command("fmt")
    .description("print policy files in canonical layout (comments kept)")
    .argument("<file...>", "policy files")
    .option("--check", "change nothing; exit 1 when a file is not formatted")
    .option("--write", "rewrite the files in place")
    .option("--fix", "apply the checker's fixes (all or none), then format; rewrites the files (with --check: only says whether it would change them)")
    .action(async (files, options) => {
    const { runFmt } = await import("./fmt.js");
    process.exitCode = runFmt(files, options, processIo);
});
program
    .command("print")
    .description("print the effective policy with every default written out")
    .argument("<file>", "policy file")
    .option("--changed", "only what differs from the defaults")
    .action(async (file, options) => {
    const { runPrint } = await import("./print.js");
    process.exitCode = runPrint(file, options, processIo);
});
program
    .command("graph")
    .description("draw the rule graph: each stage's nodes in evaluation order, labelled with their policy lines")
    .argument("<file>", "policy file")
    .addOption(new Option("--format <format>", "mermaid (for Markdown) or dot (Graphviz)").choices(["mermaid", "dot"]).default("mermaid"))
    .action(async (file, options) => {
    const { runGraph } = await import("./graph.js");
    process.exitCode = runGraph(file, options, processIo);
});
program
    .command("import")
    .description("translate another server's configuration into an msa policy")
    .command("postfix")
    .description("translate a Postfix submission service (master.cf 587/465 entries and the main.cf they use)")
    .argument("<main.cf>", "Postfix's main.cf")
    .argument("<master.cf>", "Postfix's master.cf")
    .option("-o, --output <file>", "write the policy here, and the tables it converts beside it (default: standard output)")
    .action(async (mainCf, masterCf, options) => {
    const { runImportPostfix } = await import("./import.js");
    process.exitCode = runImportPostfix(mainCf, masterCf, options, processIo);
});
program
    .command("lsp")
    .description("run the policy language server over standard input and output")
    .option("--stdio", "use standard input and output (the default and only transport)")
    .action(async () => {
    const { runLsp } = await import("./lsp.js");
    runLsp();
});
program
    .command("queue")
    .description("the store-and-forward queue: list, show ID, retry [ID], delete ID, bounce ID, run (forward in the foreground)")
    .argument("<action>", "list | show | retry | delete | bounce | run")
    .argument("[id]", "queue ID (from list)")
    .option("--policy <file>", "the policy whose spool folder to use")
    .option("--compiled <file>", "a compiled rule graph instead of the policy")
    .option("--spool <dir>", "the spool folder itself")
    .option("--relay <url>", "with --spool and run: the next hop (smtp://HOST:PORT)")
    .option("--hostname <name>", "name in DSNs and EHLO (default: the policy's hostname)")
    .option("--json", "list: one JSON object per record")
    .action(async (action, id, options) => {
    const { runQueue } = await import("./queue.js");
    process.exitCode = await runQueue(action, id, options, processIo);
});
program
    .command("sendmail")
    .description("submit the message on standard input as the local user, with /usr/sbin/sendmail's options (-t, -i, -f, -F, recipients), through `listen local`")
    .helpOption(false)
    .allowUnknownOption()
    .passThroughOptions()
    .argument("[arguments...]", "sendmail's options and recipients; --maildrop DIR names the drop folder")
    .action(async (args) => {
    const { runSendmail } = await import("./sendmail.js");
    process.exitCode = await runSendmail(args, processIo);
});
program
    .command("dkim")
    .description("DKIM keys for `sign dkim`: keygen")
    .command("keygen")
    .description("write a DKIM private key to DIR/SELECTOR.pem (mode 0600) and print the DNS TXT record to publish")
    .requiredOption("--domain <domain>", "the signing domain (d=)")
    .requiredOption("--selector <selector>", "the selector (s=)")
    .addOption(new Option("--algorithm <algorithm>", "key type").choices(["rsa", "ed25519"]).makeOptionMandatory())
    .option("--bits <bits>", "RSA key size", "2048")
    .requiredOption("--out <dir>", "folder for the key")
    .action(async (options) => {
    const { runDkimKeygen } = await import("./dkim.js");
    process.exitCode = runDkimKeygen(options, processIo);
});
try {
    await program.parseAsync(process.argv);
}
catch (error) {
    if (error instanceof CommanderError) {
        // Help and version are successes; every other command-line mistake is a usage error (exit 2).
        process.exitCode = error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help" ? ExitStatus.ok : ExitStatus.usage;
    }
    else {
        throw error;
    }
}
//# sourceMappingURL=msac.js.map