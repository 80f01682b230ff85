// Tests for the users-file parser: which lines become entries, and what each problem
// underlines and says.
import { describe, expect, it } from "vitest";
import { hashScheme } from "../../formats/storedHash.js";
import { parseUsersFile, type UsersFileProblem } from "../../formats/usersFile.js";

const BCRYPT = "$2b$10$7MLVWb310M0ehifL3QBz1OdUYPE3jx7N2nR2hF6rQ5oSRfWbqWU8m";
const ARGON2ID = "$argon2id$v=19$m=65536,t=3,p=4$+TtTasPtr7UW7+sy5UR+AA$mHPvh6Wo3vOwjH4cOiF9337zddIjNCF5yi/DUQbCLh8";

/** The text a problem underlines, so tests read like the rendered diagnostic. */
function underlined(text: string, problem: UsersFileProblem): string {
  const line = text.split("\n")[problem.line - 1]!.replace(/\r$/, "");
  return line.slice(problem.column - 1, problem.endColumn - 1);
}

describe("hashScheme", () => {
  it.each([
    ["$2a$", BCRYPT.replace("$2b$", "$2a$")],
    ["$2b$", BCRYPT],
    ["$2y$", BCRYPT.replace("$2b$", "$2y$")],
  ])("recognises bcrypt %s", (_prefix, hash) => {
    expect(hashScheme(hash)).toBe("bcrypt");
  });

  it("recognises argon2id with parameters in either order", () => {
    expect(hashScheme(ARGON2ID)).toBe("argon2id");
    expect(hashScheme(ARGON2ID.replace("m=65536,t=3,p=4", "m=65536,p=4,t=3"))).toBe("argon2id");
  });

  it.each([
    ["empty", ""],
    ["plain text", "secret"],
    ["md5-crypt", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/"],
    ["apache md5", "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/"],
    ["sha1", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="],
    ["old bcrypt $2$", "$2$10$7MLVWb310M0ehifL3QBz1OdUYPE3jx7N2nR2hF6rQ5oSRfWbqWU8m"],
    ["bcrypt $2x$", BCRYPT.replace("$2b$", "$2x$")],
    ["bcrypt one character short", BCRYPT.slice(0, -1)],
    ["bcrypt with a bad character", BCRYPT.slice(0, -1) + "!"],
    ["bcrypt cost 03", BCRYPT.replace("$10$", "$03$")],
    ["bcrypt cost 32", BCRYPT.replace("$10$", "$32$")],
    ["argon2i", ARGON2ID.replace("$argon2id$", "$argon2i$")],
    ["argon2id without salt", "$argon2id$v=19$m=65536,t=3,p=4$mHPvh6Wo3vOwjH4cOiF9337zddIjNCF5yi/DUQbCLh8"],
    ["argon2id missing t", ARGON2ID.replace("m=65536,t=3,p=4", "m=65536,p=4")],
    ["argon2id repeated m", ARGON2ID.replace("m=65536,t=3,p=4", "m=65536,m=1,t=3,p=4")],
    ["argon2id t=0", ARGON2ID.replace("t=3", "t=0")],
    ["argon2id m below 8*p", ARGON2ID.replace("m=65536", "m=31")],
    ["argon2id unknown version", ARGON2ID.replace("v=19", "v=42")],
    ["argon2id padded salt", ARGON2ID.replace("+TtTasPtr7UW7+sy5UR+AA", "+TtTasPtr7UW7+sy5UR+AA==")],
  ])("refuses %s", (_what, hash) => {
    expect(hashScheme(hash)).toBeNull();
  });
});

describe("parseUsersFile", () => {
  it("reads entries, skipping blank lines and comments, with CRLF line ends", () => {
    const text = `# users of example.test\r\n\r\nalice:${BCRYPT}\r\n   # indented comment\r\nbob@example.test:${ARGON2ID}\r\n`;
    const { entries, problems } = parseUsersFile(text);
    expect(problems).toEqual([]);
    expect(entries).toEqual([
      { login: "alice", hash: BCRYPT, line: 3, column: 1 },
      { login: "bob@example.test", hash: ARGON2ID, line: 5, column: 1 },
    ]);
  });

  it("ignores a byte order mark and trailing blanks", () => {
    const { entries, problems } = parseUsersFile(`\uFEFFalice:${BCRYPT}  \t`);
    expect(problems).toEqual([]);
    expect(entries).toEqual([{ login: "alice", hash: BCRYPT, line: 1, column: 1 }]);
  });

  it("reports each bad line with what it underlines, and keeps the good ones", () => {
    const text = [
      `alice:${BCRYPT}`,
      "carol:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=",
      `:${BCRYPT}`,
      `dave smith:${BCRYPT}`,
      "erin:",
      "frank",
      `alice:${ARGON2ID}`,
      `gina:${BCRYPT.replace("$10$", "$03$")}`,
      `hugo:${BCRYPT.slice(0, 40)}`,
      `ines:${ARGON2ID.replace("t=3", "t=0")}`,
      `jo:${ARGON2ID.replace("$v=19$", () => "$v=19$$")}`,
    ].join("\n");
    const { entries, problems } = parseUsersFile(text);
    expect(entries.map((entry) => entry.login)).toEqual(["alice"]);
    expect(problems.map((problem) => [problem.line, underlined(text, problem), problem.message])).toEqual([
      [2, "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", "`{SHA}` hash for `carol` is unsalted SHA-1, which msa does not verify; set a new password with `msac passwd`"],
      [3, ":", "empty login before `:`"],
      [4, "dave smith", "login `dave smith` contains whitespace"],
      [5, "erin:", "missing password hash for `erin`"],
      [6, "frank", "missing `:` between login and password hash in `frank`"],
      [7, "alice", "duplicate login `alice`, first defined on line 1; this line is ignored"],
      [8, BCRYPT.replace("$10$", "$03$"), "bcrypt cost 03 for `gina` is out of range; use 04 to 31"],
      [9, BCRYPT.slice(0, 40), "malformed bcrypt hash for `hugo`; expected $2b$, a two-digit cost, $ and 53 characters of salt and hash"],
      [10, ARGON2ID.replace("t=3", "t=0"), "argon2id parameters for `ines` are invalid; give m, t and p once each with t >= 1, p from 1 to 16777215 and m >= 8*p"],
      [11, ARGON2ID.replace("$v=19$", () => "$v=19$$"), "malformed argon2id hash for `jo`; expected $argon2id$v=19$m=MEMORY,t=TIME,p=LANES$SALT$HASH"],
    ]);
  });

  it("gives the column of the hash within the line", () => {
    const { problems } = parseUsersFile("\n\nzoe:plaintext");
    expect(problems).toEqual([
      {
        line: 3,
        column: 5,
        endColumn: 14,
        message: "unsupported password hash for `zoe`; use bcrypt ($2b$) or argon2id",
      },
    ]);
  });

  it("writes every message as one sentence: lowercase start, no final period, no line break", () => {
    const { problems } = parseUsersFile(["x", ":y", "a b:c", "d:", "e:f", `e:${BCRYPT}`, `e:${BCRYPT}`].join("\n"));
    expect(problems.length).toBe(6);
    for (const { message } of problems) {
      expect(message).toMatch(/^[a-z`]/);
      expect(message).not.toMatch(/[.\n]$/);
      expect(message).not.toContain("\n");
    }
  });
});
