import { SMTPServer } from "smtp-server";
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js";
import { Replies } from "../../graph/replies.js";
import { parseAddressCommand } from "./addressCommand.js";
import { ChunkedMessage, ChunkReader, parseBdat } from "./chunking.js";
import { startOauthBearer } from "./oauthBearer.js";
import { ENHANCED_PREFIX, replyText } from "./replyError.js";
/** Extensions smtp-server does not know, added to its EHLO reply (RFC 3030 sections 2 and 3). */
const CHUNKING_KEYWORDS = ["CHUNKING", "BINARYMIME"];
// Replies after which the socket changes hands or closes: the greeting and STARTTLS's 220
// (TLS starts on the raw socket right after), 221 and 421 (the connection ends). They and
// everything before them are written at once.
const UNBATCHED_REPLIES = new Set([220, 221, 421]);
export class MsaConnection extends SMTPConnection {
    policy;
    batchingSocket = null;
    /** Set while smtp-server handles EHLO (true) or HELO (false): its reset then means a greeting. */
    greeting = null;
    /** Runs from the first byte of a command line until the line is complete (see `_createParser`). */
    commandDeadline = null;
    /** The message of the BDAT transaction under way: from its first chunk until its verdict. */
    chunkedMessage = null;
    /** Takes the octets of the chunk being read off the command stream; null outside a chunk. */
    chunkReader = null;
    /** Set while the octets of a refused BDAT are read: they are the command's, and `timeout command` bounds them. */
    discardingChunk = false;
    /** What runs once the chunk being read is complete; it resumes the command stream. */
    chunkRead = null;
    /** Set while smtp-server writes the EHLO reply, which gets CHUNKING and BINARYMIME. */
    extendingEhlo = false;
    constructor(policy, server, socket, options) {
        super(server, socket, options);
        this.policy = policy;
        this.once("close", () => {
            this.stopCommandDeadline();
            this.abandonChunkedMessage("the connection closed before BDAT LAST");
            policy.closed(this);
        });
    }
    /**
     * smtp-server's idle timeout starts over with every byte, so a client sending one byte every
     * few seconds could hold a session for ever (slowloris). Here a command line must be complete
     * within `timeout command` of its first byte, as Postfix's smtpd_per_record_deadline does:
     * the deadline starts when bytes arrive outside DATA and ends once the parser has consumed
     * everything received as whole lines.
     */
    _createParser() {
        const parser = super._createParser();
        const write = parser._write.bind(parser);
        parser._write = (chunk, encoding, next) => {
            if (this.chunkReader)
                return this.readChunk(parser, chunk, next);
            if (!parser._dataMode && this.commandDeadline === null)
                this.startCommandDeadline();
            write(chunk, encoding, (error) => {
                if (parser._dataMode || parser._remainder === "")
                    this.stopCommandDeadline();
                next(error);
            });
        };
        return parser;
    }
    /**
     * A BDAT chunk's octets, however the client's writes were cut into segments: the chunk takes
     * what it lacks, and whatever follows it (pipelined commands) goes back to the line parser
     * once the chunk is answered. Nothing more is read until then, so replies keep their order.
     */
    readChunk(parser, received, next) {
        // No transaction waits for a refused chunk, so nothing else would end `BDAT 9000000000000000` trickled a byte at a time.
        if (this.discardingChunk && this.commandDeadline === null)
            this.startCommandDeadline();
        const rest = this.chunkReader.feed(received);
        if (rest === null)
            return next();
        const chunkRead = this.chunkRead;
        this.chunkReader = null;
        this.chunkRead = null;
        if (this.discardingChunk)
            this.stopCommandDeadline();
        this.discardingChunk = false;
        parser._dataMode = false;
        chunkRead(() => (rest.length > 0 ? parser._write(rest, "binary", next) : next()));
    }
    startCommandDeadline() {
        const timeoutMs = this._server.options.socketTimeout;
        if (!timeoutMs)
            return;
        this.commandDeadline = setTimeout(() => {
            this.commandDeadline = null;
            // The client waits for us (a handler or the message's delivery runs): not its delay.
            if (this._handlerPending || this._dataStream)
                return this.startCommandDeadline();
            this.policy.commandTimedOut(this);
        }, timeoutMs);
        this.commandDeadline.unref();
    }
    stopCommandDeadline() {
        if (this.commandDeadline)
            clearTimeout(this.commandDeadline);
        this.commandDeadline = null;
    }
    /**
     * Greets at once. smtp-server waits 100 ms first to catch clients that talk before the
     * greeting, a port-25 spam check (Postfix keeps it in postscreen, away from submission);
     * submission clients are MUAs that log in, and the pause only delayed every session.
     */
    init() {
        this._setListeners(() => this.connectionReady());
    }
    send(code, data, context) {
        if (this.extendingEhlo && code === 250 && Array.isArray(data))
            data = [...data, ...CHUNKING_KEYWORDS];
        if (UNBATCHED_REPLIES.has(code))
            this.flushReplies();
        else
            this.batchReplies();
        // A reply text that starts with an enhanced code is the policy's: print it as is.
        if (typeof data === "string" && ENHANCED_PREFIX.test(data))
            return super.send(code, data, false);
        super.send(code, data, context);
    }
    /**
     * Holds the replies written before control goes back to the event loop and sends them in one
     * write: a pipelined MAIL, RCPT, RCPT, DATA gets its four replies in one TLS record and one
     * packet (RFC 2920 section 3.2 asks servers to send the replies to a batch as a unit, as
     * Postfix does), instead of four of each for both ends to process. smtp-server answers the
     * commands of one read in a chain of callbacks and promise continuations, which a nextTick
     * runs after, so a lone reply is not delayed.
     */
    batchReplies() {
        const socket = this._socket;
        if (!socket || socket === this.batchingSocket || socket.destroyed || this._upgrading)
            return;
        this.batchingSocket = socket;
        socket.cork();
        process.nextTick(() => {
            if (this.batchingSocket === socket)
                this.batchingSocket = null;
            socket.uncork();
        });
    }
    /** Sends what batchReplies holds now, ahead of a reply after which the socket changes or ends. */
    flushReplies() {
        const socket = this.batchingSocket;
        if (!socket)
            return;
        this.batchingSocket = null;
        socket.uncork();
    }
    // Every path on which smtp-server drops its envelope passes here; the core's session state
    // follows, so AUTH after RSET is judged on the session as the client sees it.
    _resetSession() {
        // RFC 3030 section 2: RSET (and what resets as it does) discards the chunks received so far
        this.abandonChunkedMessage("the transaction was reset before BDAT LAST");
        super._resetSession();
        // smtp-server resets right after accepting EHLO or HELO: the core hears the greeting instead.
        if (this.greeting !== null && this.hostNameAppearsAs)
            this.policy.greeted(this, this.hostNameAppearsAs, this.greeting);
        else
            this.policy.transactionReset(this);
    }
    _parseAddressCommand(name, command) {
        return parseAddressCommand(name, command.toString());
    }
    // smtp-server refuses SIZE= over its `size` option itself, with no rule behind it; the
    // policy's LimitSize node decides instead (RFC 1870 section 6), so only the syntax stays here.
    _validateMailParams(parsed) {
        const args = parsed.args || {};
        // RFC 3030 section 3: BODY=BINARYMIME, which smtp-server does not know; it keeps the value as the envelope's bodyType.
        if (typeof args.BODY === "string" && args.BODY.toUpperCase() === "BINARYMIME") {
            const { BODY: _binary, ...rest } = args;
            return this._validateMailParams({ ...parsed, args: rest });
        }
        if (typeof args.SIZE === "string" && /^\d{1,20}$/.test(args.SIZE)) {
            const { SIZE: _declared, ...rest } = args;
            return super._validateMailParams({ ...parsed, args: rest });
        }
        return super._validateMailParams(parsed);
    }
    handler_EHLO(command, callback) {
        // smtp-server offers AUTH whenever it is configured; the policy decides per session.
        this.session.disabledCommands = this.policy.offersAuth(this) ? [] : ["AUTH"];
        this.greeting = true;
        this.extendingEhlo = true;
        try {
            super.handler_EHLO(command, callback);
        }
        finally {
            this.session.disabledCommands = undefined;
            this.greeting = null;
            this.extendingEhlo = false;
        }
    }
    handler_HELO(command, callback) {
        this.greeting = false;
        try {
            super.handler_HELO(command, callback);
        }
        finally {
            this.greeting = null;
        }
    }
    handler_AUTH(command, callback) {
        const refusal = this.policy.refuseAuth(this);
        if (refusal) {
            this.send(refusal.code, refusal.text);
            return callback();
        }
        const [, mechanism = "", ...args] = command.toString().trim().split(/\s+/);
        // smtp-server has no OAUTHBEARER; its other checks (a login already, the mechanism offered) come first as for any.
        if (mechanism.toUpperCase() === "OAUTHBEARER" && !this.session.user && this._server.options.authMethods.includes("OAUTHBEARER")) {
            return startOauthBearer(this, args, callback);
        }
        super.handler_AUTH(command, callback);
    }
    handler_DATA(command, callback) {
        // RFC 3030 section 2: DATA and BDAT do not mix in one transaction
        if (this.chunkedMessage) {
            this.send(503, "5.5.1 DATA not allowed after BDAT in the same transaction");
            return callback();
        }
        // RFC 3030 section 3: a BINARYMIME message can only be sent with BDAT
        if (this.session.envelope.rcptTo.length > 0 && this.session.envelope.bodyType === "binarymime") {
            this.send(503, "5.5.1 BODY=BINARYMIME requires BDAT, not DATA");
            return callback();
        }
        super.handler_DATA(command, callback);
    }
    /**
     * RFC 3030 section 2: `BDAT size [LAST]`. The chunk's octets are always read, even when the
     * command is refused (the client sends them regardless); each chunk gets 250 once read, and the
     * last one (or the one that passes `limit size`) gets onData's verdict on the whole message.
     */
    handler_BDAT(command, callback) {
        const bdat = parseBdat(command.toString());
        if (!bdat) {
            // without a size nobody knows where the chunk ends: the octets that follow are read as commands, as Postfix does
            this.send(501, "5.5.4 Syntax: BDAT chunk-size [LAST]");
            return callback();
        }
        if (this.session.envelope.rcptTo.length === 0) {
            this.discardingChunk = bdat.size > 0;
            return this.readChunkInto(bdat.size, () => undefined, callback, (resume) => {
                this.send(503, "5.5.1 Error: need MAIL and RCPT before BDAT");
                resume();
            });
        }
        this.chunkedMessage ??= this.startChunkedMessage();
        const message = this.chunkedMessage;
        this.readChunkInto(bdat.size, (octets) => message.write(octets), callback, (resume) => {
            const limit = this.policy.messageSizeLimit(this);
            if (!bdat.last && (limit === null || message.size <= limit)) {
                this.send(250, `2.0.0 ${bdat.size} octets received`);
                return resume();
            }
            // the client waits for the verdict now: smtp-server's idle timeout must not end the session
            this._dataStream = message.stream;
            message.end(resume);
        });
    }
    /**
     * Reads the next `size` octets off the stream into `sink`, then calls `read`, which answers the
     * chunk and resumes the commands. `callback` is the BDAT handler's: it lets the octets flow,
     * or, for `BDAT 0`, resumes the commands once the chunk is answered.
     */
    readChunkInto(size, sink, callback, read) {
        if (size === 0 || !this._parser)
            return read(callback);
        this.chunkReader = new ChunkReader(size, sink);
        this.chunkRead = read;
        this._parser._dataMode = true;
        callback();
    }
    /** Hands a new message's stream to onData as DATA does; its verdict answers the last chunk and ends the transaction. */
    startChunkedMessage() {
        const message = new ChunkedMessage();
        this._server.onData(message.stream, this.session, (error, text) => message.decided(() => {
            if (error)
                this.send(error.responseCode || 450, error.message);
            else
                this.send(250, typeof text === "string" ? text : "2.0.0 OK");
            this._dataStream = false;
            this.chunkedMessage = null;
            this._transactionCounter++;
            this._unrecognizedCommands = 0;
            this._resetSession();
        }));
        return message;
    }
    abandonChunkedMessage(reason) {
        const message = this.chunkedMessage;
        this.chunkedMessage = null;
        message?.abandon(reason);
    }
    // RFC 6409 section 3.3 leaves ETRN to MTAs; VRFY and EXPN would let anyone probe logins.
    handler_ETRN(_command, callback) {
        this.send(Replies.commandNotAllowed.code, replyText(Replies.commandNotAllowed));
        callback();
    }
    handler_VRFY(_command, callback) {
        this.handler_ETRN(_command, callback);
    }
    handler_EXPN(_command, callback) {
        this.handler_ETRN(_command, callback);
    }
}
/** An SMTPServer whose connections are `MsaConnection`s. */
export class MsaSmtpServer extends SMTPServer {
    policy;
    connectionsById = new Map();
    constructor(policy, options) {
        super(options);
        this.policy = policy;
    }
    connect(socket, socketOptions) {
        const self = this;
        const connection = new MsaConnection(this.policy, this, socket, socketOptions);
        self.connections.add(connection);
        this.connectionsById.set(connection.id, connection);
        connection.on("error", (error) => self._onError(error));
        connection.on("connect", (data) => self._onClientConnect(data));
        connection.init();
    }
}
//# sourceMappingURL=msaConnection.js.map