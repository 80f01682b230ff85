// One connection to one milter for one SMTP session: option negotiation, then each step sent with
// its macros and, unless the milter said it does not answer that step, its answer awaited within
// the rule's timeout. Any failure (refused connection, timeout, a packet that breaks the protocol)
// throws MilterFailure and leaves the connection closed; the caller decides what that means.
import net from "node:net";
import { encodePacket, MilterProtocolError, nulStrings, PacketDecoder, parseNegotiation, parseReply } from "./packetCodec.js";
import { Action, Command, MILTER_CHUNK_SIZE, MILTER_OLDEST_VERSION, MILTER_VERSION, OFFERED_ACTIONS, OFFERED_PROTOCOL, Protocol, Steps } from "./protocol.js";
export class MilterFailure extends Error {
}
/** The most a milter may put into a replaced body: a message larger than any `limit size` would allow. */
const MAX_REPLACED_BODY_BYTES = 256 * 1024 * 1024;
/** Each modification and the action that permits it (the milter asked for that action at negotiation). */
const PERMITTED_BY = {
    addHeader: Action.addHeaders,
    insertHeader: Action.addHeaders,
    changeHeader: Action.changeHeaders,
    replaceBody: Action.changeBody,
    addRecipient: Action.addRecipient | Action.addRecipientWithArgs,
    deleteRecipient: Action.deleteRecipient,
    changeSender: Action.changeSender,
    quarantine: Action.quarantine,
};
export class MilterConnection {
    node;
    socket = null;
    decoder = new PacketDecoder();
    received = [];
    waiter = null;
    broken = null;
    protocol = 0;
    actions = 0;
    constructor(node) {
        this.node = node;
    }
    /** Whether the milter wants header values with the space after the colon (SMFIP_HDR_LEADSPC). */
    get leadingSpace() {
        return (this.protocol & Protocol.headerLeadingSpace) !== 0;
    }
    /** Connects within `timeout connect` and negotiates within `timeout command`. */
    async open() {
        const { socket: where, timeouts } = this.node;
        const socket = where.kind === "inet" ? net.connect({ host: where.host, port: where.port }) : net.connect({ path: where.path });
        this.socket = socket;
        socket.on("data", (chunk) => {
            try {
                for (const packet of this.decoder.push(chunk))
                    this.deliver(packet);
            }
            catch (error) {
                this.fail(error);
            }
        });
        socket.on("error", (error) => this.fail(error));
        socket.on("close", () => this.fail(new MilterFailure("the milter closed the connection")));
        await new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new MilterFailure(`no connection within ${timeouts.connectMs} ms`)), timeouts.connectMs);
            socket.once("connect", () => {
                clearTimeout(timer);
                resolve();
            });
            socket.once("error", (error) => {
                clearTimeout(timer);
                reject(new MilterFailure(error.message));
            });
        }).catch((error) => {
            // Destroyed, not ended: a black-holed milter would keep a half-open socket until the kernel gives up on its SYN.
            this.fail(error);
            this.close();
            throw error;
        });
        const offer = Buffer.alloc(12);
        offer.writeUInt32BE(MILTER_VERSION, 0);
        offer.writeUInt32BE(OFFERED_ACTIONS, 4);
        offer.writeUInt32BE(OFFERED_PROTOCOL, 8);
        this.send(Command.optionNegotiation, offer);
        const negotiation = await this.guard(async () => {
            const answer = parseNegotiation(await this.next(timeouts.commandMs));
            if (answer.version < MILTER_OLDEST_VERSION || answer.version > MILTER_VERSION)
                this.abandon(`the milter speaks protocol version ${answer.version}`);
            if ((answer.actions & ~OFFERED_ACTIONS) !== 0)
                this.abandon(`the milter wants actions 0x${answer.actions.toString(16)}, more than msa offers`);
            return answer;
        });
        this.actions = negotiation.actions;
        // Flags msa does not know (libmilter's internal data-size bits) ask nothing of it.
        this.protocol = negotiation.protocol & OFFERED_PROTOCOL;
    }
    /** One SMTP step: its macros, the command, and the answer (continue when the step is left out or not answered). */
    async step(command, data, macros = {}) {
        const { omit, noReply } = Steps[command];
        if (this.protocol & omit)
            return { kind: "continue" };
        return this.guard(async () => {
            this.sendMacros(command, macros);
            this.send(command, data);
            if (this.protocol & noReply)
                return { kind: "continue" };
            const reply = parseReply(await this.next(this.node.timeouts.commandMs));
            if (reply.type !== "answer")
                this.abandon(`answered an SMTP step with a ${reply.type === "modification" ? reply.modification.kind : reply.type}`);
            return reply.answer;
        });
    }
    /**
     * The message: each header field, the end of the header, the body in chunks and the end of the
     * message, whose answer (within `timeout content`) comes after the changes the milter asks for.
     * `fields` values are the text after the colon, line breaks as LF (as Sendmail and Postfix send them).
     */
    async message(fields, body, macros) {
        for (const field of fields) {
            const value = this.leadingSpace ? field.value : field.value.replace(/^[ \t]+/, "");
            const answer = await this.step(Command.header, nulStrings(field.name, value));
            if (answer.kind !== "continue")
                return { answer, modifications: [] };
        }
        const eoh = await this.step(Command.endOfHeader, Buffer.alloc(0), macros);
        if (eoh.kind !== "continue")
            return { answer: eoh, modifications: [] };
        for (let at = 0; at < body.length; at += MILTER_CHUNK_SIZE) {
            const chunk = body.subarray(at, at + MILTER_CHUNK_SIZE);
            if (this.protocol & Protocol.noBody)
                break;
            const answer = await this.bodyChunk(chunk);
            if (answer === "skip")
                break;
            if (answer.kind !== "continue")
                return { answer, modifications: [] };
        }
        return this.guard(async () => {
            this.sendMacros(Command.endOfMessage, macros);
            this.send(Command.endOfMessage);
            const modifications = [];
            let replaced = null;
            let replacedBytes = 0;
            for (;;) {
                // SMFIR_PROGRESS starts the wait again, as in Postfix.
                const reply = parseReply(await this.next(this.node.timeouts.contentMs));
                if (reply.type === "progress")
                    continue;
                if (reply.type === "skip")
                    this.abandon("answered the end of the message with skip");
                if (reply.type === "answer") {
                    if (replaced)
                        modifications.push({ kind: "replaceBody", body: Buffer.concat(replaced) });
                    return { answer: reply.answer, modifications };
                }
                const { modification } = reply;
                if ((this.actions & PERMITTED_BY[modification.kind]) === 0)
                    this.abandon(`asked to ${modification.kind} without negotiating it`);
                // Body replacements come in chunks; they make one body.
                if (modification.kind === "replaceBody") {
                    replacedBytes += modification.body.length;
                    if (replacedBytes > MAX_REPLACED_BODY_BYTES)
                        this.abandon(`replaced body over ${MAX_REPLACED_BODY_BYTES} bytes`);
                    (replaced ??= []).push(modification.body);
                }
                else
                    modifications.push(modification);
            }
        });
    }
    /** A body chunk; `skip` when the milter wants no more of the body (SMFIR_SKIP, version 6). */
    async bodyChunk(chunk) {
        if (this.protocol & Protocol.noReplyBody) {
            this.send(Command.body, chunk);
            return { kind: "continue" };
        }
        return this.guard(async () => {
            this.send(Command.body, chunk);
            const reply = parseReply(await this.next(this.node.timeouts.commandMs));
            if (reply.type === "skip")
                return "skip";
            if (reply.type !== "answer")
                this.abandon("answered a body chunk with a modification");
            return reply.answer;
        });
    }
    /** Ends the transaction (RSET, a refusal, the next MAIL): the milter expects MAIL next. */
    abort() {
        if (this.socket && !this.broken)
            this.send(Command.abort);
    }
    /** Says goodbye and closes; safe to call twice. */
    close() {
        const socket = this.socket;
        if (!socket)
            return;
        this.socket = null;
        if (!this.broken && socket.writable)
            socket.end(encodePacket(Command.quit));
        else
            socket.destroy();
        this.fail(new MilterFailure("closed"));
    }
    sendMacros(command, macros) {
        const pairs = Object.entries(macros).flat();
        if (pairs.length > 0)
            this.send(Command.macro, Buffer.concat([Buffer.from(command, "latin1"), nulStrings(...pairs)]));
    }
    send(command, data) {
        if (this.broken || !this.socket)
            throw new MilterFailure(this.broken?.message ?? "not connected");
        this.socket.write(encodePacket(command, data));
    }
    /** The next packet, or a MilterFailure after `timeoutMs` or once the connection broke. */
    next(timeoutMs) {
        const ready = this.received.shift();
        if (ready)
            return Promise.resolve(ready);
        if (this.broken)
            return Promise.reject(this.broken);
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.waiter = null;
                reject(new MilterFailure(`no answer within ${timeoutMs} ms`));
            }, timeoutMs);
            this.waiter = {
                resolve: (packet) => {
                    clearTimeout(timer);
                    resolve(packet);
                },
                reject: (error) => {
                    clearTimeout(timer);
                    reject(error);
                },
            };
        });
    }
    deliver(packet) {
        const waiter = this.waiter;
        this.waiter = null;
        if (waiter)
            waiter.resolve(packet);
        else
            this.received.push(packet);
    }
    fail(error) {
        this.broken ??= error instanceof MilterFailure ? error : new MilterFailure(error.message);
        this.socket?.destroy();
        const waiter = this.waiter;
        this.waiter = null;
        waiter?.reject(this.broken);
    }
    abandon(reason) {
        throw new MilterProtocolError(reason);
    }
    /** Runs `work`; a protocol error or a timeout closes the connection and becomes a MilterFailure. */
    async guard(work) {
        try {
            return await work();
        }
        catch (error) {
            const failure = error instanceof MilterFailure ? error : new MilterFailure(error.message);
            this.fail(failure);
            this.socket = null;
            throw failure;
        }
    }
}
//# sourceMappingURL=milterConnection.js.map