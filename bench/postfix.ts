// Postfix, when it is installed: the comparison the issue asks for needs a Postfix
// configured as bench/README.md describes. This harness only detects it for now and
// says so; it never fails because Postfix is missing.
import { execFileSync } from "node:child_process";
import fs from "node:fs";

export interface PostfixStatus {
  installed: boolean;
  path?: string;
  smtpSource?: string;
  note: string;
}

function which(command: string, fallbacks: string[]): string | undefined {
  try {
    const found = execFileSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim();
    if (found) return found;
  } catch {
    // not on PATH
  }
  return fallbacks.find((candidate) => fs.existsSync(candidate));
}

export function detectPostfix(): PostfixStatus {
  const path = which("postfix", ["/usr/sbin/postfix", "/usr/local/sbin/postfix"]);
  if (!path) return { installed: false, note: "postfix: not installed (see bench/README.md)" };
  const smtpSource = which("smtp-source", ["/usr/sbin/smtp-source", "/usr/local/sbin/smtp-source"]);
  return {
    installed: true,
    path,
    ...(smtpSource ? { smtpSource } : {}),
    note: `postfix: found at ${path}${smtpSource ? `, smtp-source at ${smtpSource}` : ""}; the automatic comparison is not implemented yet (see bench/README.md for the manual procedure)`,
  };
}
