// Group files (`group NAME from "FILE"`): one login per line, `#` comments and blank lines, without
// any I/O, so that `msac check` reports a line into the file and compiling reads the same members.

/** A line of a group file that cannot be used. Lines and columns are 1-based; endColumn is exclusive. */
export interface GroupFileProblem {
  readonly line: number;
  readonly column: number;
  readonly endColumn: number;
  readonly message: string;
}

export interface ParsedGroupFile {
  /** The logins, each once, in the file's order, with where each is written (1-based line and column). */
  readonly entries: { login: string; line: number; column: number }[];
  readonly problems: GroupFileProblem[];
}

export function parseGroupFile(text: string): ParsedGroupFile {
  const entries = new Map<string, { login: string; line: number; column: number }>();
  const problems: GroupFileProblem[] = [];
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  body.split(/\r?\n/).forEach((raw, index) => {
    const hash = raw.indexOf("#");
    const content = hash === -1 ? raw : raw.slice(0, hash);
    const login = content.trim();
    if (login === "") return;
    const column = content.indexOf(login) + 1;
    const problem = /\s|,/.test(login) ? "one login per line" : login.startsWith("@") ? `a group lists logins, not \`${login}\`` : undefined;
    if (problem) problems.push({ line: index + 1, column, endColumn: column + login.length, message: problem });
    else if (!entries.has(login)) entries.set(login, { login, line: index + 1, column });
  });
  return { entries: [...entries.values()], problems };
}
