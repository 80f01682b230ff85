// Reading a file that a policy names (users, senders, aliases, certificates, keys), for the
// checker and the server alike. Only regular files, and at most MAX_NAMED_FILE_BYTES of them:
// `/dev/zero` would be read forever and a FIFO would block until some writer came along.
import fs from "node:fs";
/** 64 MiB: a users file of a million bcrypt lines is about 70 bytes a line, so this leaves room. */
export const MAX_NAMED_FILE_BYTES = 64 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;
// O_NONBLOCK lets the open of a FIFO return at once, so its type can be checked (Linux, macOS).
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);
function notRegular(stat) {
    if (stat.isFile())
        return undefined;
    if (stat.isDirectory())
        return "it is a folder";
    if (stat.isFIFO())
        return "it is a FIFO, not a regular file";
    if (stat.isCharacterDevice() || stat.isBlockDevice())
        return "it is a device, not a regular file";
    return "it is not a regular file";
}
const tooLarge = (maxBytes) => `it is larger than ${maxBytes / (1024 * 1024)}MiB, the most msa reads from a file a policy names`;
function failure(error) {
    const code = error.code;
    return { ok: false, missing: code === "ENOENT" || code === "ENOTDIR", reason: code === "EISDIR" ? "it is a folder" : error.message };
}
/** Reads `file` as UTF-8 if it is a regular file of at most `maxBytes`; never blocks on a FIFO or reads a device. */
export function readNamedFile(file, maxBytes = MAX_NAMED_FILE_BYTES) {
    let fd;
    try {
        fd = fs.openSync(file, OPEN_FLAGS);
    }
    catch (error) {
        return failure(error);
    }
    try {
        const why = notRegular(fs.fstatSync(fd));
        if (why)
            return { ok: false, missing: false, reason: why };
        const chunks = [];
        let total = 0;
        // Read to the end rather than trusting the size from fstat: the file may grow meanwhile.
        for (;;) {
            const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
            const read = fs.readSync(fd, chunk, 0, CHUNK_BYTES, null);
            if (read === 0)
                break;
            total += read;
            if (total > maxBytes)
                return { ok: false, missing: false, reason: tooLarge(maxBytes) };
            chunks.push(chunk.subarray(0, read));
        }
        return { ok: true, text: Buffer.concat(chunks, total).toString("utf8") };
    }
    catch (error) {
        return failure(error);
    }
    finally {
        fs.closeSync(fd);
    }
}
/** readNamedFile for the server: the text, or an Error that says which file and why. */
export function readNamedFileOrThrow(file, maxBytes = MAX_NAMED_FILE_BYTES) {
    const read = readNamedFile(file, maxBytes);
    if (read.ok)
        return read.text;
    throw new Error(`cannot read \`${file}\`: ${read.reason}`);
}
/** readNamedFileOrThrow without blocking the event loop while the server runs. */
export async function readNamedFileAsync(file, maxBytes = MAX_NAMED_FILE_BYTES) {
    let handle;
    try {
        handle = await fs.promises.open(file, OPEN_FLAGS);
    }
    catch (error) {
        throw new Error(`cannot read \`${file}\`: ${error.message}`);
    }
    try {
        const why = notRegular(await handle.stat());
        if (why)
            throw new Error(`cannot read \`${file}\`: ${why}`);
        const chunks = [];
        let total = 0;
        for (;;) {
            const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(CHUNK_BYTES), 0, CHUNK_BYTES, null);
            if (bytesRead === 0)
                break;
            total += bytesRead;
            if (total > maxBytes)
                throw new Error(`cannot read \`${file}\`: ${tooLarge(maxBytes)}`);
            chunks.push(buffer.subarray(0, bytesRead));
        }
        return Buffer.concat(chunks, total).toString("utf8");
    }
    finally {
        await handle.close();
    }
}
/**
 * The regular files of a folder a policy names (`groups from "FOLDER"`), by name, sorted; names
 * starting with `.` and ending with `~` (editors' and tools' own files) are left out.
 */
export function listNamedFolder(folder) {
    try {
        const entries = fs.readdirSync(folder, { withFileTypes: true });
        const names = entries.filter((entry) => entry.isFile() && !entry.name.startsWith(".") && !entry.name.endsWith("~")).map((entry) => entry.name);
        return { ok: true, names: names.sort() };
    }
    catch (error) {
        const code = error.code;
        return { ok: false, missing: code === "ENOENT", reason: code === "ENOTDIR" ? "it is not a folder" : error.message };
    }
}
//# sourceMappingURL=namedFile.js.map