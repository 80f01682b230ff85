// Noticing that a certificate or key file changed, however it was replaced: written in place,
// renamed over (atomic save), or a symlink in certbot's live/ pointed at a new file in archive/.
// The folders are watched, not the files (a watch on a file follows its old inode): the folder of
// each path as written and the folder of what it resolves to, resolved again after each change.
import fs from "node:fs";
import path from "node:path";
/** The folders whose changes can change what `files` read as: their own and their targets'. */
function foldersOf(files) {
    const folders = new Set();
    for (const file of files) {
        folders.add(path.dirname(file));
        try {
            folders.add(path.dirname(fs.realpathSync(file)));
        }
        catch {
            // A dangling link or a file mid-rename: its own folder's next event resolves it again.
        }
    }
    return folders;
}
/**
 * Calls `onChange` once things are quiet after any change in the folders of `files`. Events are
 * not filtered by name (a Kubernetes secret swaps a `..data` link that no configured path names);
 * the caller compares contents, so an unrelated change costs one read of two small files.
 */
export function watchCertificateFiles(files, onChange, options) {
    const watchers = new Map();
    let timer;
    let closed = false;
    const fire = () => {
        timer = undefined;
        if (closed)
            return;
        follow();
        onChange();
    };
    const changed = () => {
        if (timer)
            clearTimeout(timer);
        timer = setTimeout(fire, options.debounceMs);
    };
    // Watches the folders the files resolve to now, and stops watching those they no longer do.
    const follow = () => {
        const wanted = foldersOf(files);
        for (const [folder, watcher] of watchers) {
            if (wanted.has(folder))
                continue;
            watcher.close();
            watchers.delete(folder);
        }
        for (const folder of wanted) {
            if (watchers.has(folder))
                continue;
            try {
                const watcher = fs.watch(folder, { persistent: false }, changed);
                watcher.on("error", (error) => {
                    watcher.close();
                    watchers.delete(folder);
                    options.onError?.(folder, error);
                });
                watchers.set(folder, watcher);
            }
            catch (error) {
                options.onError?.(folder, error);
            }
        }
    };
    follow();
    return {
        close() {
            closed = true;
            if (timer)
                clearTimeout(timer);
            for (const watcher of watchers.values())
                watcher.close();
            watchers.clear();
        },
    };
}
//# sourceMappingURL=watchCertificateFiles.js.map