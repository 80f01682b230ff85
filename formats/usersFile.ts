// Parses a users file (`LOGIN:HASH` lines) into entries and problems without any I/O,
// so `msac check` can lint the file and the server can load it with the same rules.

/** One usable `LOGIN:HASH` line. Lines and columns are 1-based. */
export interface UsersFileEntry {
  login: string;
  hash: string;
  line: number;
  column: number;
}

/** A line that cannot be used; `endColumn` is exclusive (one past the last character underlined). */
export interface UsersFileProblem {
  line: number;
  column: number;
  endColumn: number;
  message: string;
}

export interface ParsedUsersFile {
  entries: UsersFileEntry[];
  problems: UsersFileProblem[];
}

export type PasswordHashScheme = "bcrypt" | "argon2id";

const UNSUPPORTED_ADVICE = "use bcrypt ($2b$) or argon2id";

// bcrypt: `$2a$`, `$2b$` or `$2y$`, two cost digits, then 22 characters of salt and
// 31 of hash in bcrypt's own base64 alphabet (60 characters in all).
const BCRYPT_SHAPE = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const BCRYPT_MIN_COST = 4;
const BCRYPT_MAX_COST = 31;

// argon2id in PHC string format. node-argon2 writes the parameters in the order m,p,t
// and the reference implementation in the order m,t,p, so any order is accepted.
const ARGON2ID_SHAPE = /^\$argon2id\$(?:v=(\d+)\$)?([^$]*)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const ARGON2_VERSIONS = new Set([16, 19]);
// Limits of the reference implementation (argon2.h): salt at least 8 bytes, output at least 4.
const ARGON2_MIN_SALT_CHARS = 11;
const ARGON2_MIN_HASH_CHARS = 6;
const ARGON2_MAX_PARALLELISM = 0xffffff;
const ARGON2_MAX_UINT32 = 0xffffffff;

/** The scheme of a hash this server can verify, or null for anything else (including malformed hashes). */
export function hashScheme(hash: string): PasswordHashScheme | null {
  const verdict = examineHash(hash);
  return "scheme" in verdict ? verdict.scheme : null;
}

/** The parameters of an argon2id hash that hashScheme accepts, or null. */
export function argon2idParameters(hash: string): { version: number; m: number; t: number; p: number } | null {
  const shape = ARGON2ID_SHAPE.exec(hash);
  if (!shape) return null;
  const params = parseArgon2Params(shape[2]!);
  if (!params) return null;
  return { version: shape[1] === undefined ? 16 : Number(shape[1]), ...params };
}

type HashVerdict = { scheme: PasswordHashScheme } | { problem: (login: string) => string };

function examineHash(hash: string): HashVerdict {
  if (/^\$2[aby]\$/.test(hash)) {
    const shape = BCRYPT_SHAPE.exec(hash);
    if (!shape) {
      return {
        problem: (login) => `malformed bcrypt hash for \`${login}\`; expected $2b$, a two-digit cost, $ and 53 characters of salt and hash`,
      };
    }
    const cost = Number(shape[1]);
    if (cost < BCRYPT_MIN_COST || cost > BCRYPT_MAX_COST) {
      return { problem: (login) => `bcrypt cost ${shape[1]} for \`${login}\` is out of range; use 04 to 31` };
    }
    return { scheme: "bcrypt" };
  }
  if (hash.startsWith("$argon2id$")) {
    const shape = ARGON2ID_SHAPE.exec(hash);
    const salt = shape?.[3] ?? "";
    const digest = shape?.[4] ?? "";
    if (
      !shape ||
      (shape[1] !== undefined && !ARGON2_VERSIONS.has(Number(shape[1]))) ||
      !isUnpaddedBase64(salt, ARGON2_MIN_SALT_CHARS) ||
      !isUnpaddedBase64(digest, ARGON2_MIN_HASH_CHARS)
    ) {
      return {
        problem: (login) => `malformed argon2id hash for \`${login}\`; expected $argon2id$v=19$m=MEMORY,t=TIME,p=LANES$SALT$HASH`,
      };
    }
    if (!parseArgon2Params(shape[2]!)) {
      return {
        problem: (login) => `argon2id parameters for \`${login}\` are invalid; give m, t and p once each with t >= 1, p from 1 to 16777215 and m >= 8*p`,
      };
    }
    return { scheme: "argon2id" };
  }
  return { problem: (login) => `unsupported password hash for \`${login}\`; ${UNSUPPORTED_ADVICE}` };
}

function parseArgon2Params(text: string): { m: number; t: number; p: number } | null {
  const values = new Map<string, number>();
  for (const pair of text.split(",")) {
    const match = /^([mtp])=(0|[1-9]\d{0,9})$/.exec(pair);
    if (!match || values.has(match[1]!)) return null;
    values.set(match[1]!, Number(match[2]));
  }
  const m = values.get("m");
  const t = values.get("t");
  const p = values.get("p");
  if (m === undefined || t === undefined || p === undefined) return null;
  if (t < 1 || t > ARGON2_MAX_UINT32 || p < 1 || p > ARGON2_MAX_PARALLELISM || m < 8 * p || m > ARGON2_MAX_UINT32) {
    return null;
  }
  return { m, t, p };
}

// A base64 text without padding cannot have a length of 1 modulo 4.
function isUnpaddedBase64(text: string, minChars: number): boolean {
  return text.length >= minChars && text.length % 4 !== 1;
}

export function parseUsersFile(text: string): ParsedUsersFile {
  const entries: UsersFileEntry[] = [];
  const problems: UsersFileProblem[] = [];
  const firstLineOfLogin = new Map<string, number>();
  // Editors on Windows may save a byte order mark; it is not part of the first login.
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const lines = body.split("\n");

  lines.forEach((rawLine, index) => {
    const line = index + 1;
    // CRLF files are tolerated; trailing blanks are dropped because no hash contains whitespace.
    const content = rawLine.replace(/\r$/, "").replace(/[ \t]+$/, "");
    const trimmedStart = content.trimStart();
    if (trimmedStart === "" || trimmedStart.startsWith("#")) return;

    const colon = content.indexOf(":");
    if (colon < 0) {
      problems.push({
        line,
        column: 1,
        endColumn: content.length + 1,
        message: `missing \`:\` between login and password hash in \`${content}\``,
      });
      return;
    }
    const login = content.slice(0, colon);
    const hash = content.slice(colon + 1);
    const hashColumn = colon + 2;

    if (login === "") {
      problems.push({ line, column: 1, endColumn: 2, message: "empty login before `:`" });
      return;
    }
    if (/\s/.test(login)) {
      problems.push({
        line,
        column: 1,
        endColumn: colon + 1,
        message: `login \`${login}\` contains whitespace`,
      });
      return;
    }
    if (hash === "") {
      problems.push({ line, column: 1, endColumn: colon + 2, message: `missing password hash for \`${login}\`` });
      return;
    }
    const verdict = examineHash(hash);
    if ("problem" in verdict) {
      problems.push({ line, column: hashColumn, endColumn: hashColumn + hash.length, message: verdict.problem(login) });
      return;
    }
    // The first definition wins, as in Apache's htpasswd files; the later line is reported and ignored.
    const firstLine = firstLineOfLogin.get(login);
    if (firstLine !== undefined) {
      problems.push({
        line,
        column: 1,
        endColumn: colon + 1,
        message: `duplicate login \`${login}\`, first defined on line ${firstLine}; this line is ignored`,
      });
      return;
    }
    firstLineOfLogin.set(login, line);
    entries.push({ login, hash, line, column: 1 });
  });

  return { entries, problems };
}
