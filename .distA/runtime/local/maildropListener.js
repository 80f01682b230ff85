// The `listen local "DIR"` listener: `msac sendmail` writes the message into DIR (a sticky folder
// every local user may create files in, as Postfix's maildrop), then names the file on the unix
// socket DIR/submit.socket and waits there for the verdict. Who sent it is the file's owner,
// which the kernel sets and no caller can choose; the request only names the file and the envelope.
import { execFile } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { Replies } from "../../graph/replies.js";
import { dropFileRequest, MAILDROP_SOCKET, replyLine } from "./maildropProtocol.js";
/** A request is one short JSON line: the file's name and the envelope. */
const MAX_REQUEST_BYTES = 1024 * 1024;
/**
 * How old a drop file may be when it is named: rename keeps a file's owner and birth time, so a
 * user could move another user's file into the folder; only one born moments ago is taken.
 * MSA_MAILDROP_MAX_AGE_MS and MSA_MAILDROP_IDLE_MS change the defaults (a test makes them short).
 */
const MAX_DROP_AGE_MS = 60_000;
/** A connection that names no file for this long is closed. */
const IDLE_MS = 30_000;
/** Connections served at once; more are closed as soon as they are accepted. */
const MAX_CONNECTIONS = 64;
function millisecondsFromEnv(name, fallback) {
    const value = Number(process.env[name]);
    return Number.isInteger(value) && value > 0 ? value : fallback;
}
export class MaildropListener {
    dir;
    submit;
    log;
    server = null;
    /** Files being taken now: a second request for one of them is refused, not run twice. */
    inFlight = new Set();
    maxDropAgeMs = millisecondsFromEnv("MSA_MAILDROP_MAX_AGE_MS", MAX_DROP_AGE_MS);
    idleMs = millisecondsFromEnv("MSA_MAILDROP_IDLE_MS", IDLE_MS);
    constructor(dir, submit, log) {
        this.dir = dir;
        this.submit = submit;
        this.log = log;
    }
    get socketPath() {
        return path.join(this.dir, MAILDROP_SOCKET);
    }
    async bind() {
        // A missing folder is made as Postfix makes its maildrop: every local user may drop a file,
        // the sticky bit keeps each from removing another's, setgid gives the files the folder's group
        // so a server not running as root reads them (a site narrows it: docs/integrations/sendmail.md).
        if (!fs.existsSync(this.dir)) {
            fs.mkdirSync(this.dir, { recursive: true });
            fs.chmodSync(this.dir, 0o3733);
        }
        this.removeStaleSocket();
        const server = net.createServer((socket) => this.serve(socket));
        server.maxConnections = MAX_CONNECTIONS;
        server.on("error", (error) => this.log.error({ event: "listener-error", err: error.message }, "local listener error"));
        await new Promise((resolve, reject) => {
            server.once("error", reject);
            server.listen(this.socketPath, () => {
                server.off("error", reject);
                resolve();
            });
        });
        // Every local user may ask: the drop file, not the connection, says who is asking.
        fs.chmodSync(this.socketPath, 0o666);
        this.server = server;
        this.log.info({ event: "listening", local: this.dir }, "listening");
    }
    /** A socket left by a process that is gone would make listen fail with EADDRINUSE. */
    removeStaleSocket() {
        const entry = fs.lstatSync(this.socketPath, { throwIfNoEntry: false });
        if (!entry)
            return;
        // Anyone may create names in the folder: what is not a socket is not ours to remove.
        if (!entry.isSocket()) {
            this.log.error({ event: "listener-error", local: this.dir, path: this.socketPath, uid: entry.uid }, "not a socket: remove it to start");
            throw new Error(`${this.socketPath} exists and is not a socket (uid ${entry.uid}): remove it to start`);
        }
        fs.rmSync(this.socketPath);
    }
    close() {
        this.server?.close();
        this.server = null;
    }
    serve(socket) {
        socket.on("error", () => undefined);
        socket.setTimeout(this.idleMs, () => socket.destroy());
        let buffered = "";
        const onData = (chunk) => {
            buffered += chunk.toString("utf8");
            const end = buffered.indexOf("\n");
            if (end < 0 && buffered.length <= MAX_REQUEST_BYTES)
                return;
            socket.off("data", onData);
            // The verdict may take as long as the policy's delivery: only waiting for the request is idle.
            socket.setTimeout(0);
            const request = end < 0 ? null : dropFileRequest(buffered.slice(0, end));
            void this.answer(request).then((verdict) => socket.end(replyLine(verdict.reply)));
        };
        socket.on("data", onData);
    }
    async answer(request) {
        if (!request || this.inFlight.has(request.file))
            return { accepted: false, reply: Replies.localBadRequest };
        this.inFlight.add(request.file);
        const file = path.join(this.dir, request.file);
        let handle;
        let message;
        try {
            // O_NOFOLLOW: a symbolic link would name someone else's file; O_NONBLOCK: a FIFO would hang us.
            const opened = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK).catch((error) => error);
            if (!(opened instanceof Error))
                handle = opened;
            const stat = await handle?.stat({ bigint: true });
            const refusal = opened instanceof Error ? `cannot open: ${opened.code ?? opened.message}` : stat ? this.refusalOf(stat) : "no status";
            if (refusal !== null || !handle || !stat) {
                this.log.warn({ event: "local-refused", file: request.file, uid: stat ? Number(stat.uid) : undefined, reason: refusal }, "drop file refused");
                return { accepted: false, reply: Replies.localFileRefused };
            }
            await fs.promises.unlink(file);
            const uid = Number(stat.uid);
            const login = await userName(uid);
            if (login === null) {
                this.log.warn({ event: "local-refused", file: request.file, uid, reason: "no user name" }, "drop file refused");
                return { accepted: false, reply: Replies.localUnknownUser };
            }
            message = handle.createReadStream({ autoClose: false, start: 0 });
            return await this.submit({ uid, login, sender: request.sender, recipients: request.recipients, message });
        }
        catch (error) {
            this.log.error({ event: "local-error", file: request.file, err: error.message }, "drop file not taken");
            return { accepted: false, reply: Replies.localError };
        }
        finally {
            // A stream on the handle holds it open: close() would wait for it for ever (a refusal at MAIL never reads it).
            message?.destroy();
            await handle?.close().catch(() => undefined);
            // A file that could not be taken is not left for anyone to take later: its sender was told.
            await fs.promises.rm(file, { force: true }).catch(() => undefined);
            this.inFlight.delete(request.file);
        }
    }
    /** Why the opened drop file is not taken as its owner's, or null when it is. */
    refusalOf(stat) {
        if (!stat.isFile())
            return "not a plain file";
        // A second name (a hard link) could be another user's file linked into the folder.
        if (stat.nlink !== 1n)
            return "more than one name (a hard link)";
        // Another user could have written into it after its owner did.
        if ((stat.mode & 18n) !== 0n)
            return "writable by group or others";
        // Renamed in from elsewhere it keeps its birth time: an old file is someone else's, moved.
        if (stat.birthtimeNs === 0n)
            return "birth time unknown (the file system does not record it)";
        const ageMs = Number((BigInt(Date.now()) * 1000000n - stat.birthtimeNs) / 1000000n);
        if (ageMs > this.maxDropAgeMs)
            return `born ${Math.round(ageMs / 1000)} s ago, more than ${this.maxDropAgeMs / 1000} s`;
        return null;
    }
}
/** The user name of `uid` in the passwd database, through NSS as `id` and `ls` see it (files, LDAP, ...). */
function userName(uid) {
    return new Promise((resolve) => {
        execFile("getent", ["passwd", String(uid)], { timeout: 10_000 }, (error, stdout) => {
            const name = error ? "" : (stdout.split(":")[0] ?? "");
            resolve(name === "" ? null : name);
        });
    });
}
//# sourceMappingURL=maildropListener.js.map