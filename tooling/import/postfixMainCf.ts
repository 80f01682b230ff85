// Reads Postfix's main.cf as Postfix does (postconf(5)): `name = value` lines, a line starting with
// white space continues the previous one, `#` lines and blank lines are ignored, and `$name`,
// `${name}`, `$(name)` and the `${name?text}` / `${name:text}` forms expand when a value is used.

export interface PostfixParameter {
  readonly value: string;
  /** 1-based line of `name =` in its file, for the comments that name an untranslated setting. */
  readonly line: number;
}

export interface ParsedMainCf {
  readonly parameters: Map<string, PostfixParameter>;
  /** Lines that are not `name = value`, with why. */
  readonly problems: { line: number; message: string }[];
}

export function parseMainCf(text: string): ParsedMainCf {
  const parameters = new Map<string, PostfixParameter>();
  const problems: { line: number; message: string }[] = [];
  let current: { name: string; value: string; line: number } | undefined;
  const finish = () => {
    if (current) parameters.set(current.name, { value: current.value.trim(), line: current.line });
    current = undefined;
  };
  text.split("\n").forEach((raw, index) => {
    const line = raw.replace(/\r$/, "");
    // postconf(5): comments and blank lines end no logical line, so a continuation may follow them.
    if (/^\s*(#|$)/.test(line)) return;
    if (/^\s/.test(line)) {
      if (current) current.value += ` ${line.trim()}`;
      else problems.push({ line: index + 1, message: "a continuation line with no setting before it" });
      return;
    }
    finish();
    const match = /^([A-Za-z0-9_.-]+)\s*=(.*)$/.exec(line);
    if (!match) {
      problems.push({ line: index + 1, message: `\`${line.trim()}\` is not \`name = value\`` });
      return;
    }
    current = { name: match[1]!, value: match[2]!, line: index + 1 };
  });
  finish();
  return { parameters, problems };
}

/**
 * `value` with every parameter reference replaced by what `lookup` gives (recursively, as Postfix
 * expands at use). An unknown name expands to nothing, as in Postfix; a loop stops after a depth.
 */
export function expandParameters(value: string, lookup: (name: string) => string | undefined, depth = 0): string {
  if (depth > 20) return value;
  const again = (text: string) => expandParameters(text, lookup, depth + 1);
  return value.replace(
    /\$(?:\{([A-Za-z0-9_]+)(?:([?:])([^}]*))?\}|\(([A-Za-z0-9_]+)(?:([?:])([^)]*))?\)|([A-Za-z0-9_]+))/g,
    (_all, braced, bracedOp, bracedText, paren, parenOp, parenText, bare) => {
      const name = (braced ?? paren ?? bare) as string;
      const op = (bracedOp ?? parenOp) as string | undefined;
      const text = (bracedText ?? parenText ?? "") as string;
      const raw = lookup(name);
      const isSet = raw !== undefined && raw !== "";
      // ${name?text}: text when name is set; ${name:text}: text when it is not.
      if (op === "?") return isSet ? again(text) : "";
      if (op === ":") return isSet ? again(raw) : again(text);
      return raw === undefined ? "" : again(raw);
    },
  );
}

/** Postfix's lists (restrictions, domains, tables): separated by commas and/or white space. */
export function splitPostfixList(value: string): string[] {
  return value.split(/[\s,]+/).filter((item) => item !== "");
}
