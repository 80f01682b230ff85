// `msac sendmail`: the local submission program that cron, PHP's mail(), git send-email and mutt
// run as /usr/sbin/sendmail. It reads the message on stdin with sendmail's options, writes it into
// the drop folder of `listen local` (the file's owner is the caller's uid, which the kernel sets),
// and waits on the folder's socket for the server's verdict, which becomes a sysexits.h status.
// The running server judges it with the policy, as a session of the caller's login.
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { listHeaderAddresses } from "../runtime/address/addressHeader.js";
import { crlfLineEndings } from "../runtime/decision/messageStage.js";
import { dropFileRequestLine, MAILDROP_SOCKET, parseReplyLine } from "../runtime/local/maildropProtocol.js";
import { applyHeaderEdits } from "../runtime/message/headerEdits.js";
import { parseHeaderSection } from "../runtime/message/headerSection.js";
/** sysexits.h, as sendmail's callers read them (cron mails the output, mutt shows it). */
export const SysExit = {
    ok: 0,
    usage: 64,
    dataErr: 65,
    noUser: 67,
    unavailable: 69,
    software: 70,
    osErr: 71,
    tempFail: 75,
    noPerm: 77,
    config: 78,
};
/** Where `listen local` drops are written unless `--maildrop` or MSA_MAILDROP says otherwise. */
export const DEFAULT_MAILDROP = "/var/spool/msa/maildrop";
// Options sendmail takes and that mean nothing here (delivery mode, error mode, DSN and 8BITMIME
// parameters, verbosity, the queue's hold time): accepted and ignored, as Postfix's sendmail does.
const IGNORED_WITH_VALUE = new Set(["-B", "-C", "-N", "-R", "-V", "-X", "-h", "-L", "-O"]);
const IGNORED_FLAGS = new Set(["-v", "-m", "-n", "-U", "-G", "-bm", "-Am", "-Ac"]);
/** sendmail's command line; a string is the usage error to print. */
export function parseSendmailArguments(args, env) {
    const invocation = { extractRecipients: false, ignoreDots: false, recipients: [], maildrop: env.MSA_MAILDROP || DEFAULT_MAILDROP };
    for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        const value = (flag) => {
            if (arg.length > flag.length)
                return arg.slice(flag.length);
            i += 1;
            return args[i] ?? null;
        };
        if (arg === "--") {
            invocation.recipients.push(...args.slice(i + 1));
            break;
        }
        if (arg === "--maildrop") {
            const dir = args[++i];
            if (!dir)
                return "--maildrop needs a folder";
            invocation.maildrop = dir;
        }
        else if (!arg.startsWith("-") || arg === "-") {
            invocation.recipients.push(arg);
        }
        else if (arg === "-t") {
            invocation.extractRecipients = true;
        }
        else if (arg === "-i" || arg === "-oi") {
            invocation.ignoreDots = true;
        }
        else if (arg.startsWith("-f") || arg.startsWith("-r")) {
            const sender = value(arg.slice(0, 2));
            if (sender === null)
                return `${arg} needs an address`;
            invocation.sender = sender === "<>" ? "" : sender;
        }
        else if (arg.startsWith("-F")) {
            const name = value("-F");
            if (name === null)
                return "-F needs a name";
            invocation.fullName = name;
        }
        else if (IGNORED_WITH_VALUE.has(arg.slice(0, 2))) {
            if (value(arg.slice(0, 2)) === null)
                return `${arg} needs a value`;
        }
        else if (arg.startsWith("-o") || IGNORED_FLAGS.has(arg)) {
            // -odi, -odb, -oem, -oee, -om, -oQ...: sendmail.cf options, nothing to set here
        }
        else if (arg.startsWith("-b")) {
            return `${arg} is not supported: msac sendmail only submits messages (-bm)`;
        }
        else {
            return `unknown option ${arg}`;
        }
    }
    // sendmail reads each argument as an address list: "a@example.com, b@example.com"
    invocation.recipients = invocation.recipients
        .flatMap((r) => r.split(","))
        .map((r) => r.trim())
        .filter((r) => r !== "");
    return invocation;
}
/** The message as read from stdin: up to a lone dot unless `-i`, every line ending made CRLF. */
export function messageFromInput(input, ignoreDots) {
    let text = input;
    if (!ignoreDots) {
        const end = /(^|\n)\.\r?\n|(^|\n)\.$/.exec(input.toString("latin1"));
        if (end)
            text = input.subarray(0, end.index + (end[1] ?? end[2] ?? "").length);
    }
    const crlf = crlfLineEndings(text);
    // A last line without its line ending still ends with one on the wire.
    return crlf.length === 0 || crlf.subarray(-2).toString("latin1") === "\r\n" ? crlf : Buffer.concat([crlf, Buffer.from("\r\n")]);
}
/**
 * What `-t` and the missing From: change: recipients from To, Cc and Bcc, Bcc fields removed
 * (RFC 5322 section 3.6.3: blind copies stay blind), and `From: NAME <SENDER>` added when absent.
 * A header that does not parse is left for the server to refuse (554 5.6.0).
 */
export function prepareMessage(message, invocation, sender) {
    const parsed = parseHeaderSection(message);
    if (!parsed.ok)
        return { message, recipients: invocation.recipients };
    const { header } = parsed;
    const edits = [];
    const recipients = [...invocation.recipients];
    if (invocation.extractRecipients) {
        for (const [index, field] of header.fields.entries()) {
            const name = field.name.toLowerCase();
            if (name === "to" || name === "cc" || name === "bcc")
                recipients.push(...listHeaderAddresses(field.value));
            if (name === "bcc")
                edits.push({ kind: "remove", index });
        }
    }
    if (!header.fields.some((f) => f.name.toLowerCase() === "from") && sender !== "") {
        edits.push({ kind: "append", name: "From", value: invocation.fullName ? `${quotedName(invocation.fullName)} <${sender}>` : sender });
    }
    return { message: edits.length > 0 ? applyHeaderEdits(message, header, edits) : message, recipients: [...new Set(recipients)] };
}
/** A display name as an atom sequence when it is one, else a quoted-string (RFC 5322 section 3.4). */
function quotedName(name) {
    return /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/.test(name) ? name : `"${name.replace(/[\\"]/g, "\\$&")}"`;
}
/** The verdict's reply as the status sendmail's callers know. */
export function exitStatusOf(reply) {
    if (reply.code < 400)
        return SysExit.ok;
    if (reply.code < 500)
        return SysExit.tempFail;
    const [, subject] = reply.enhanced.split(".");
    if (subject === "1")
        return SysExit.noUser;
    if (subject === "7")
        return SysExit.noPerm;
    if (subject === "6" || reply.enhanced === "5.3.4")
        return SysExit.dataErr;
    if (subject === "5")
        return SysExit.software;
    return SysExit.unavailable;
}
export async function runSendmail(args, io) {
    const invocation = parseSendmailArguments(args, process.env);
    const fail = (status, text) => {
        io.stderr.write(`sendmail: ${text}\n`);
        return status;
    };
    if (typeof invocation === "string")
        return fail(SysExit.usage, invocation);
    const sender = invocation.sender ?? os.userInfo().username;
    const { message, recipients } = prepareMessage(messageFromInput(await readAll(io.stdin), invocation.ignoreDots), invocation, sender);
    if (recipients.length === 0)
        return fail(SysExit.usage, "no recipients: name them as arguments or use -t");
    const file = `${crypto.randomBytes(16).toString("hex")}.msg`;
    const dropped = path.join(invocation.maildrop, file);
    try {
        // Readable by the folder's group (the server's); the sticky folder keeps others from removing it.
        fs.writeFileSync(dropped, message, { flag: "wx", mode: 0o640 });
        const fd = fs.openSync(dropped, "r");
        fs.fsyncSync(fd);
        fs.closeSync(fd);
    }
    catch (error) {
        fs.rmSync(dropped, { force: true });
        const code = error.code;
        if (code === "ENOENT")
            return fail(SysExit.config, `the drop folder ${invocation.maildrop} does not exist (is msa installed with \`listen local\`?)`);
        if (code === "EACCES" || code === "EPERM")
            return fail(SysExit.noPerm, `this user may not write into ${invocation.maildrop}`);
        return fail(SysExit.osErr, `cannot write into ${invocation.maildrop}: ${error.message}`);
    }
    try {
        const socketPath = path.join(invocation.maildrop, MAILDROP_SOCKET);
        const impostor = notTheServersSocket(invocation.maildrop, socketPath);
        if (impostor === "missing")
            return fail(SysExit.tempFail, `msa is not running (no ${socketPath}); nothing was sent`);
        if (impostor)
            return fail(SysExit.unavailable, `${socketPath} ${impostor}: not msa's, nothing was sent`);
        const answer = await askForVerdict(socketPath, dropFileRequestLine({ file, sender, recipients }));
        if ("unreachable" in answer)
            return fail(SysExit.tempFail, `msa is not running (${answer.unreachable}); nothing was sent`);
        const reply = parseReplyLine(answer.line);
        if (!reply)
            return fail(SysExit.software, "msa gave no verdict; the message may or may not have been sent");
        const status = exitStatusOf(reply);
        if (status !== SysExit.ok)
            io.stderr.write(`sendmail: ${reply.code} ${reply.enhanced} ${reply.text}\n`);
        return status;
    }
    finally {
        // The server removes a file it takes; one it did not take is not left for anyone to find.
        fs.rmSync(dropped, { force: true });
    }
}
/**
 * Why the entry named like the server's socket is not the server's, or null when it is: while
 * msa is down anyone may bind that name in the world-writable folder and read the requests.
 * The sticky folder keeps others from replacing the server's socket between this look and connect.
 */
function notTheServersSocket(maildrop, socketPath) {
    const entry = fs.lstatSync(socketPath, { throwIfNoEntry: false });
    if (!entry)
        return "missing";
    if (!entry.isSocket())
        return "is not a socket";
    const folderOwner = fs.statSync(maildrop).uid;
    if (entry.uid !== folderOwner && entry.uid !== 0)
        return `belongs to uid ${entry.uid}, not to the folder's owner (uid ${folderOwner}) or root`;
    return null;
}
/** The server's one reply line to `request`; `unreachable` when nothing listens on the socket. */
function askForVerdict(socketPath, request) {
    return new Promise((resolve) => {
        let received = "";
        let connected = false;
        const socket = net.createConnection(socketPath, () => {
            connected = true;
            socket.write(`${request}\n`);
        });
        socket.setEncoding("utf8");
        socket.on("data", (chunk) => {
            received += chunk;
        });
        socket.on("error", (error) => {
            if (!connected)
                resolve({ unreachable: error.code ?? error.message });
        });
        socket.on("close", () => {
            if (connected)
                resolve({ line: received.split("\n")[0] ?? "" });
        });
    });
}
async function readAll(stream) {
    const chunks = [];
    for await (const chunk of stream)
        chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks);
}
//# sourceMappingURL=sendmail.js.map