#!/usr/bin/env node
// msac: the policy compiler and server of msa. Each command lives in its own
// module; this file only maps the command line onto them and sets exit statuses.
import { Command, CommanderError, Option } from "commander";
import { runCheck } from "./check.js";
import { runCompile } from "./compile.js";
import { runDevCertificate } from "./devCertificate.js";
import { ExitStatus, processIo } from "./io.js";
import { runPasswd } from "./passwd.js";
import { runServe } from "./serve.js";

const program = new Command("msac")
  .description("compile, check and serve msa mail submission policies")
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

program
  .command("check")
  .description("parse and validate policy files, printing diagnostics")
  .argument("<file...>", "policy files (*.msa)")
  .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
  .action((files: string[], options: { format: "text" | "json" }) => {
    process.exitCode = runCheck(files, options, processIo);
  });

program
  .command("compile")
  .description("compile a policy into its rule graph (JSON)")
  .argument("<file>", "policy file")
  .option("-o, --output <file>", "where to write the graph (default: standard output)")
  .action((file: string, options: { output?: string }) => {
    process.exitCode = runCompile(file, options, processIo);
  });

program
  .command("serve")
  .description("run the submission server described by a policy until SIGTERM or SIGINT")
  .argument("[file]", "policy file")
  .option("--compiled <file>", "serve a compiled rule graph (from msac compile) instead of a policy file")
  .action(async (file: string | undefined, options: { compiled?: string }) => {
    process.exitCode = await runServe(file, options, processIo);
  });

program
  .command("passwd")
  .description("read a password from standard input and print a LOGIN:HASH line for a users file")
  .argument("<login>", "the login")
  .addOption(new Option("--scheme <scheme>", "hash scheme").choices(["argon2id", "bcrypt"]).default("argon2id"))
  .action(async (login: string, options: { scheme: "argon2id" | "bcrypt" }) => {
    process.exitCode = await runPasswd(login, options, processIo);
  });

program
  .command("dev-certificate")
  .description("write a self-signed certificate (dev.pem, dev.key) into DIR unless one is there, for development")
  .argument("<dir>", "folder for the certificate and key")
  .option("--hostname <name>", "name in the certificate", "msa.localhost")
  .action(async (dir: string, options: { hostname: string }) => {
    process.exitCode = await runDevCertificate(dir, options, processIo);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are successes; every other command-line mistake is a usage error (exit 2).
    process.exitCode = error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help" ? ExitStatus.ok : ExitStatus.usage;
  } else {
    throw error;
  }
}
