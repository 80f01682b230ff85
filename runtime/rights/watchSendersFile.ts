// The I/O shell around sendersFromFile: reloads a senders map file when it changes (RFC 6409
// section 6.1 rights kept outside the policy). A file with problems is never loaded: the
// table in use stays, so a half-saved edit cannot take rights away or hand them out.
// `watchTableFile` is the same shell for any table file with its own parser (`rewrite senders`).
import fs from "node:fs";
import path from "node:path";
import { readNamedFileAsync } from "../../formats/namedFile.js";
import { compileSenderGrants, type SenderGrantTable } from "./senderGrants.js";
import { sendersFromFile, type SendersFileProblem } from "../../formats/sendersFile.js";

/** A line of a table file that cannot be used (senders and canonical files report the same shape). */
export type TableFileProblem = SendersFileProblem;

/** A table file's text read into its table, or its problems. */
export type TableParser<T> = (text: string) => { table: T } | { problems: readonly TableFileProblem[] };

export interface WatchSendersOptions {
  /** Quiet time after the last change event before re-reading; editors write in several steps. */
  readonly debounceMs?: number;
  /** Called instead of onChange when the new text has problems or cannot be read; the old table stays. */
  readonly onError?: (error: { problems: readonly TableFileProblem[] } | { error: Error }) => void;
  /** Whether the watch keeps the process alive (fs.watch's `persistent`); default true. */
  readonly persistent?: boolean;
}

export interface SendersWatcher {
  close(): void;
}

/**
 * Watches `file` and calls `onChange` with a freshly compiled table after each change that parses
 * cleanly. The directory is watched, not the file: editors and `mv` replace the file, which ends a
 * watch on its old inode. The initial load is the caller's (sendersFromFile at start-up).
 */
export function watchSendersFile(file: string, onChange: (table: SenderGrantTable) => void, options: WatchSendersOptions = {}): SendersWatcher {
  return watchTableFile(
    file,
    (text) => {
      const parsed = sendersFromFile(text);
      return parsed.problems.length > 0 ? { problems: parsed.problems } : { table: compileSenderGrants(parsed.entries) };
    },
    onChange,
    options,
  );
}

/** watchSendersFile for a table file read by `parse`: `onChange` gets each clean version's table. */
export function watchTableFile<T>(file: string, parse: TableParser<T>, onChange: (table: T) => void, options: WatchSendersOptions = {}): SendersWatcher {
  const debounceMs = options.debounceMs ?? 200;
  const base = path.basename(file);
  let timer: NodeJS.Timeout | undefined;
  let lastText: string | undefined;
  let closed = false;

  const reload = (): void => {
    timer = undefined;
    if (closed) return;
    readNamedFileAsync(file).then(
      (text) => {
        if (closed) return;
        if (text === lastText) return;
        const parsed = parse(text);
        if ("problems" in parsed) {
          options.onError?.({ problems: parsed.problems });
          return;
        }
        lastText = text;
        onChange(parsed.table);
      },
      (error: Error) => {
        if (closed) return;
        // A rename in progress: the next event reloads. Reported so that a deleted file (or one
        // that is not a regular file, or too large) is visible.
        options.onError?.({ error });
      },
    );
  };

  const watcher = fs.watch(path.dirname(file), { persistent: options.persistent ?? true }, (_event, name) => {
    if (name !== null && name.toString() !== base) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(reload, debounceMs);
  });
  return {
    close(): void {
      closed = true;
      if (timer) clearTimeout(timer);
      watcher.close();
    },
  };
}
