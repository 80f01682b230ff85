// The I/O shell around sendersFromFile: reloads a senders map file when it changes (RFC 6409
// section 6.1 rights kept outside the policy). A file with problems is never loaded: the
// table in use stays, so a half-saved edit cannot take rights away or hand them out.
// `watchTableFile` is the same shell for any table file with its own parser (`rewrite senders`).
import fs from "node:fs";
import path from "node:path";
import { readNamedFileAsync } from "../../formats/namedFile.js";
import { compileSenderGrants } from "./senderGrants.js";
import { sendersFromFile } from "../../formats/sendersFile.js";
/**
 * Watches `file` and calls `onChange` with a freshly compiled table after each change that parses
 * cleanly. The directory is watched, not the file: editors and `mv` replace the file, which ends a
 * watch on its old inode. The initial load is the caller's (sendersFromFile at start-up).
 */
export function watchSendersFile(file, onChange, options = {}) {
    return watchTableFile(file, (text) => {
        const parsed = sendersFromFile(text);
        return parsed.problems.length > 0 ? { problems: parsed.problems } : { table: compileSenderGrants(parsed.entries) };
    }, onChange, options);
}
/** watchSendersFile for a table file read by `parse`: `onChange` gets each clean version's table. */
export function watchTableFile(file, parse, onChange, options = {}) {
    const debounceMs = options.debounceMs ?? 200;
    const base = path.basename(file);
    let timer;
    let lastText;
    let closed = false;
    const reload = () => {
        timer = undefined;
        if (closed)
            return;
        readNamedFileAsync(file).then((text) => {
            if (closed)
                return;
            if (text === lastText)
                return;
            const parsed = parse(text);
            if ("problems" in parsed) {
                options.onError?.({ problems: parsed.problems });
                return;
            }
            lastText = text;
            onChange(parsed.table);
        }, (error) => {
            if (closed)
                return;
            // A rename in progress: the next event reloads. Reported so that a deleted file (or one
            // that is not a regular file, or too large) is visible.
            options.onError?.({ error });
        });
    };
    const watcher = fs.watch(path.dirname(file), { persistent: options.persistent ?? true }, (_event, name) => {
        if (name !== null && name.toString() !== base)
            return;
        if (timer)
            clearTimeout(timer);
        timer = setTimeout(reload, debounceMs);
    });
    return {
        close() {
            closed = true;
            if (timer)
                clearTimeout(timer);
            watcher.close();
        },
    };
}
//# sourceMappingURL=watchSendersFile.js.map