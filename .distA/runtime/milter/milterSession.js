import { MilterConnection, MilterFailure } from "./milterConnection.js";
import { nulStrings } from "./packetCodec.js";
import { Command } from "./protocol.js";
import net from "node:net";
export class MilterSession {
    milters;
    states;
    constructor(milters) {
        this.milters = milters;
        this.states = milters.map(() => ({ connection: null, failure: null, done: null, refusedSession: null, inTransaction: false }));
    }
    /** MAIL FROM: opens the connection the first time (connect and HELO steps), then the MAIL step. */
    async mail(index, client, sender, params) {
        const state = this.states[index];
        if (state.done === "transaction")
            state.done = null;
        const skipped = this.skipped(state);
        if (skipped)
            return skipped;
        return this.ask(state, async (connection) => {
            if (!state.connection) {
                state.connection = connection;
                await connection.open();
                const opened = await this.greet(state, connection, client);
                if (opened.kind !== "continue") {
                    state.refusedSession = opened;
                    return opened;
                }
            }
            state.inTransaction = true;
            const macros = { "{mail_addr}": sender, ...(client.login ? { "{auth_authen}": client.login, "{auth_type}": "PLAIN" } : {}) };
            return this.settle(state, "transaction", await connection.step(Command.mail, nulStrings(`<${sender}>`, ...params), macros));
        });
    }
    async rcpt(index, recipient, params) {
        const state = this.states[index];
        const skipped = this.skipped(state);
        if (skipped)
            return skipped;
        return this.ask(state, async (connection) => this.settle(state, "transaction", await connection.step(Command.rcpt, nulStrings(`<${recipient}>`, ...params), { "{rcpt_addr}": recipient })));
    }
    /** The message (header fields as their text after the colon, LF line breaks), and the changes the milter asks for. */
    async message(index, queueId, fields, body) {
        const state = this.states[index];
        const skipped = this.skipped(state);
        if (skipped)
            return { answer: skipped, modifications: [] };
        let modifications = [];
        const answer = await this.ask(state, async (connection) => {
            const data = await connection.step(Command.data, Buffer.alloc(0), { i: queueId });
            if (data.kind !== "continue")
                return data;
            const result = await connection.message(fields, body, { i: queueId });
            modifications = result.modifications;
            state.inTransaction = false;
            return this.settle(state, "transaction", result.answer);
        });
        return { answer, modifications };
    }
    /** Whether the milter wants header values with their leading space (it answered negotiation with SMFIP_HDR_LEADSPC). */
    leadingSpace(index) {
        return this.states[index]?.connection?.leadingSpace ?? false;
    }
    /** The transaction ended without its end of message (RSET, a refusal): every milter in it forgets it. */
    abort() {
        for (const state of this.states) {
            if (!state.inTransaction)
                continue;
            state.inTransaction = false;
            state.connection?.abort();
        }
    }
    close() {
        for (const state of this.states) {
            state.connection?.close();
            state.connection = null;
        }
    }
    /** The connect and HELO steps of a new connection; an `accept` there frees the milter for the session. */
    async greet(state, connection, client) {
        const family = net.isIPv6(client.clientAddress) ? "6" : net.isIPv4(client.clientAddress) ? "4" : "U";
        const port = Buffer.alloc(2);
        port.writeUInt16BE(client.clientPort & 0xffff);
        // No reverse lookups: the client's name is its address in brackets, as Postfix writes an unknown name.
        const name = `[${client.clientAddress}]`;
        const connectData = family === "U" ? Buffer.concat([nulStrings(name), Buffer.from("U")]) : Buffer.concat([nulStrings(name), Buffer.from(family), port, nulStrings(client.clientAddress)]);
        const connectMacros = {
            j: client.hostname,
            "{daemon_name}": "msa",
            v: "msa",
            _: `${name} [${client.clientAddress}]`,
            "{client_addr}": client.clientAddress,
            "{client_name}": name,
        };
        const connect = this.settle(state, "session", await connection.step(Command.connect, connectData, connectMacros));
        if (connect.kind !== "continue")
            return connect;
        return this.settle(state, "session", await connection.step(Command.helo, nulStrings(client.heloName), {}));
    }
    /** `accept` ends what the milter is asked (the session or the transaction); the SMTP step goes on. */
    settle(state, scope, answer) {
        if (answer.kind !== "accept")
            return answer;
        state.done = scope;
        return { kind: "continue" };
    }
    skipped(state) {
        if (state.failure !== null)
            return { kind: "failed", reason: state.failure };
        if (state.refusedSession)
            return state.refusedSession;
        return state.done ? { kind: "continue" } : null;
    }
    /** Runs one exchange; a failure closes the connection for good and is answered as data. */
    async ask(state, exchange) {
        const index = this.states.indexOf(state);
        const connection = state.connection ?? new MilterConnection(this.milters[index]);
        try {
            return await exchange(connection);
        }
        catch (error) {
            if (!(error instanceof MilterFailure))
                throw error;
            connection.close();
            state.connection = null;
            state.inTransaction = false;
            state.failure = error.message;
            return { kind: "failed", reason: error.message };
        }
    }
}
//# sourceMappingURL=milterSession.js.map