// What the relay client does through nodemailer's internals. Its public API cannot add SMTPUTF8
// for a UTF-8 header section, give each recipient its own NOTIFY/ORCPT, tell which extensions
// the next hop offered (XFORWARD among them), send a command of its own (XFORWARD), stop
// between the RCPT replies and the message, or send it with BDAT (RFC 3030). These members do; the
// tests exercise each one, and a nodemailer without them is refused at run time instead of misbehaving.
import { Readable } from "node:stream";
import { stuffChunk } from "./dotStuffing.js";
import { RelayRecipientDeferred } from "./relayFailures.js";
import { isPermanentReply } from "./relayOutcome.js";
import { encodeXtext } from "./xtext.js";
export function hasExpectedInternals(internals) {
    return (Array.isArray(internals._supportedExtensions) &&
        typeof internals._sendCommand === "function" &&
        typeof internals._createSendStream === "function" &&
        Array.isArray(internals._responseActions));
}
/**
 * Sends the XFORWARD commands (pipelined when the next hop offers PIPELINING, RFC 2920) and
 * resolves with the first refusal's reply, or null when each was answered 2xx. A 421 rejects:
 * the next hop is closing the session (RFC 5321 section 3.8), so the attempt fails as at any command.
 */
export function sendXforward(internals, commands, pipelined) {
    return new Promise((resolve, reject) => {
        if (commands.length === 0)
            return resolve(null);
        let refusal = null;
        let answered = 0;
        const send = (index) => {
            internals._responseActions.push((reply) => {
                if (/^421/.test(reply)) {
                    return reject(Object.assign(new Error(`XFORWARD: ${reply}`), { code: "EPROTOCOL", command: "XFORWARD", response: reply, responseCode: 421 }));
                }
                if (refusal === null && !/^2/.test(reply))
                    refusal = reply.trim();
                answered++;
                if (answered === commands.length)
                    resolve(refusal);
                else if (!pipelined)
                    send(index + 1);
            });
            internals._sendCommand(commands[index]);
        };
        if (pipelined)
            commands.forEach((_, index) => send(index));
        else
            send(0);
    });
}
/**
 * Gives each message's DataStream (the dot-stuffing transform nodemailer pipes to the socket)
 * the same transform done with Buffer.indexOf (dotStuffing.ts), before a byte is written to it.
 */
export function stuffWithIndexOf(internals) {
    const createSendStream = internals._createSendStream;
    if (typeof createSendStream !== "function")
        return; // refused by hasExpectedInternals before any use
    internals._createSendStream = function (callback) {
        const stream = createSendStream.call(this, callback);
        stream._transform = function (chunk, _encoding, done) {
            if (!chunk || chunk.length === 0)
                return done();
            const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
            const stuffed = stuffChunk(bytes, this.lastByte);
            this.inByteCount += bytes.length;
            this.outByteCount += stuffed.length;
            this.lastByte = bytes[bytes.length - 1];
            this.push(stuffed);
            done();
        };
        return stream;
    };
}
/** CHUNKING and BINARYMIME among the EHLO keywords, which nodemailer does not list in its extensions. */
export function chunkingKeywords(ehloLines) {
    return (ehloLines ?? []).map((line) => line.split(" ")[0].toUpperCase()).filter((keyword) => keyword === "CHUNKING" || keyword === "BINARYMIME");
}
/**
 * Sends the next message with `BDAT n LAST` (RFC 3030) in place of DATA: the octets as they are,
 * no dot-stuffing, no end-of-data line, so what the next hop gets is exactly the message (a
 * BINARYMIME body above all). nodemailer's DATA step is kept, answered by us: its handler gets a
 * 250 once every RCPT reply is in, as it would get DATA's reply, and nodemailer then writes the
 * message to the stream made here. Returns the function that puts nodemailer's own members back.
 */
export function sendWithBdat(internals) {
    const { _sendCommand: sendCommand, _createSendStream: createSendStream } = internals;
    internals._sendCommand = function (command, logText) {
        if (command !== "DATA")
            return sendCommand.call(this, command, logText);
        // the handler nodemailer pushed for DATA's reply: it runs right after the last RCPT reply's
        const dataAction = this._responseActions.pop();
        const answerData = () => dataAction("250 2.0.0 BDAT in place of DATA");
        // without PIPELINING nodemailer sends DATA from the last RCPT reply's handler: nothing is due
        if (!(this._envelope && this._envelope.pipelined))
            return void setImmediate(answerData);
        const lastRcptAction = this._responseActions.pop();
        this._responseActions.push((reply) => {
            lastRcptAction(reply);
            answerData();
        });
    };
    internals._createSendStream = function (callback) {
        const stream = createSendStream.call(this, callback);
        const chunks = [];
        stream._transform = function (chunk, _encoding, done) {
            const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
            this.inByteCount += bytes.length;
            chunks.push(bytes);
            done();
        };
        // one chunk, the whole message: it is in memory already, and one reply answers it
        stream._flush = function (done) {
            const message = Buffer.concat(chunks);
            this.outByteCount = message.length;
            this.push(Buffer.concat([Buffer.from(`BDAT ${message.length} LAST\r\n`), message]));
            done();
        };
        return stream;
    };
    return () => {
        internals._sendCommand = sendCommand;
        internals._createSendStream = createSendStream;
    };
}
/**
 * Adds to MAIL FROM and RCPT TO what nodemailer's envelope cannot express: SMTPUTF8 whenever
 * the client declared it and the next hop offers it (RFC 6531 section 3.4), and each
 * recipient's own NOTIFY and ORCPT (RFC 3461 section 4) when the next hop offers DSN.
 */
export function rewriteEnvelopeCommands(internals, envelope, extensions) {
    const sendCommand = internals._sendCommand;
    let rcptIndex = 0;
    internals._sendCommand = function (command, logText) {
        if (/^MAIL FROM:/i.test(command)) {
            // nodemailer knows BODY=8BITMIME only; refusalForMissingExtension made sure the next hop offers BINARYMIME
            if (envelope.bodyType === "BINARYMIME")
                command += " BODY=BINARYMIME";
            if (envelope.smtputf8 && extensions.has("SMTPUTF8") && !/ SMTPUTF8(\s|$)/i.test(command)) {
                command += " SMTPUTF8";
            }
        }
        else if (/^RCPT TO:/i.test(command)) {
            const recipient = envelope.recipients[rcptIndex++];
            if (recipient?.dsn && extensions.has("DSN"))
                command += dsnRcptParameters(recipient.dsn);
        }
        return sendCommand.call(this, command, logText);
    };
}
function dsnRcptParameters(dsn) {
    let parameters = "";
    if (dsn.notify && dsn.notify.length > 0)
        parameters += " NOTIFY=" + dsn.notify.join(",");
    if (dsn.orcpt) {
        const separator = dsn.orcpt.indexOf(";");
        const [addressType, address] = separator > 0 ? [dsn.orcpt.slice(0, separator), dsn.orcpt.slice(separator + 1)] : ["rfc822", dsn.orcpt];
        parameters += ` ORCPT=${addressType};${encodeXtext(address)}`;
    }
    return parameters;
}
/**
 * The message as a stream that nodemailer reads only after DATA was answered 354, that is
 * once every RCPT reply is in. If any recipient was deferred it fails instead, so the final
 * dot is never sent and the next hop delivers nothing.
 */
export function messageGatedOnRecipients(message, internals, onStart) {
    let started = false;
    return new Readable({
        read() {
            if (started)
                return;
            started = true;
            onStart();
            const rejected = (internals._envelope && internals._envelope.rejectedErrors) || [];
            const deferred = rejected.find((error) => !isPermanentReply(error.responseCode));
            if (deferred) {
                this.destroy(new RelayRecipientDeferred(rejected));
                return;
            }
            this.push(message);
            this.push(null);
        },
    });
}
//# sourceMappingURL=smtpConnectionInternals.js.map