// The `listen local "DIR"` listener: `msac sendmail` writes the message into DIR (a sticky folder
// every local user may create files in, as Postfix's maildrop), then names the file on the unix
// socket DIR/submit.socket and waits there for the verdict. Who sent it is the file's owner,
// which the kernel sets and no caller can choose; the request only names the file and the envelope.
import { execFile } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import type { Readable } from "node:stream";
import type { Logger } from "pino";
import { Replies, type Reply } from "../../graph/replies.js";
import type { LocalSubmission } from "../submissionServer.js";
import { dropFileRequest, type DropFileRequest, MAILDROP_SOCKET, replyLine } from "./maildropProtocol.js";

/** A request is one short JSON line: the file's name and the envelope. */
const MAX_REQUEST_BYTES = 1024 * 1024;

export type LocalVerdict = { accepted: boolean; reply: Reply };

/** Hands a dropped message to the current server (a reload swaps the server, not the socket). */
export type SubmitLocal = (submission: LocalSubmission) => Promise<LocalVerdict>;

export class MaildropListener {
  private server: net.Server | null = null;
  /** Files being taken now: a second request for one of them is refused, not run twice. */
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly submit: SubmitLocal,
    private readonly log: Logger,
  ) {}

  get socketPath(): string {
    return path.join(this.dir, MAILDROP_SOCKET);
  }

  async bind(): Promise<void> {
    // A missing folder is made as Postfix makes its maildrop: every local user may drop a file,
    // the sticky bit keeps each from removing another's (a site narrows it: docs/integrations/sendmail.md).
    if (!fs.existsSync(this.dir)) {
      fs.mkdirSync(this.dir, { recursive: true });
      fs.chmodSync(this.dir, 0o1733);
    }
    // A socket left by a process that is gone would make listen fail with EADDRINUSE.
    fs.rmSync(this.socketPath, { force: true });
    const server = net.createServer((socket) => this.serve(socket));
    server.on("error", (error: Error) => this.log.error({ event: "listener-error", err: error.message }, "local listener error"));
    await new Promise<void>((resolve, reject) => {
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

  close(): void {
    this.server?.close();
    this.server = null;
  }

  private serve(socket: net.Socket): void {
    socket.on("error", () => undefined);
    let buffered = "";
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const end = buffered.indexOf("\n");
      if (end < 0 && buffered.length <= MAX_REQUEST_BYTES) return;
      socket.off("data", onData);
      const request = end < 0 ? null : dropFileRequest(buffered.slice(0, end));
      void this.answer(request).then((verdict) => socket.end(replyLine(verdict.reply)));
    };
    socket.on("data", onData);
  }

  private async answer(request: DropFileRequest | null): Promise<LocalVerdict> {
    if (!request || this.inFlight.has(request.file)) return { accepted: false, reply: Replies.localBadRequest };
    this.inFlight.add(request.file);
    const file = path.join(this.dir, request.file);
    let handle: fs.promises.FileHandle | undefined;
    let message: Readable | undefined;
    try {
      // O_NOFOLLOW: a symbolic link would name someone else's file; O_NONBLOCK: a FIFO would hang us.
      handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK).catch(() => undefined);
      const stat = await handle?.stat();
      // A second name (a hard link) could be another user's file linked into the folder.
      if (!handle || !stat?.isFile() || stat.nlink !== 1) {
        this.log.warn({ event: "local-refused", file: request.file, reason: "not one plain file" }, "drop file refused");
        return { accepted: false, reply: Replies.localFileRefused };
      }
      await fs.promises.unlink(file);
      const login = await userName(stat.uid);
      if (login === null) {
        this.log.warn({ event: "local-refused", file: request.file, uid: stat.uid, reason: "no user name" }, "drop file refused");
        return { accepted: false, reply: Replies.localUnknownUser };
      }
      message = handle.createReadStream({ autoClose: false, start: 0 });
      return await this.submit({ uid: stat.uid, login, sender: request.sender, recipients: request.recipients, message });
    } catch (error) {
      this.log.error({ event: "local-error", file: request.file, err: (error as Error).message }, "drop file not taken");
      return { accepted: false, reply: Replies.localError };
    } finally {
      // A stream on the handle holds it open: close() would wait for it for ever (a refusal at MAIL never reads it).
      message?.destroy();
      await handle?.close().catch(() => undefined);
      // A file that could not be taken is not left for anyone to take later: its sender was told.
      await fs.promises.rm(file, { force: true }).catch(() => undefined);
      this.inFlight.delete(request.file);
    }
  }
}

/** The user name of `uid` in the passwd database, through NSS as `id` and `ls` see it (files, LDAP, ...). */
function userName(uid: number): Promise<string | null> {
  return new Promise((resolve) => {
    execFile("getent", ["passwd", String(uid)], { timeout: 10_000 }, (error, stdout) => {
      const name = error ? "" : (stdout.split(":")[0] ?? "");
      resolve(name === "" ? null : name);
    });
  });
}
