// RFC 3030 CHUNKING on the receiving side, which smtp-server lacks: the BDAT command line, and the
// exact octets of each chunk taken from the command stream. msaConnection.ts wires them into
// smtp-server's parser and hands the chunks of one message to the same onData as DATA.
import { PassThrough } from "node:stream";
/** `BDAT 1000`, `BDAT 0 LAST`; null for anything else (1*DIGIT, at most 20 as RFC 1870's SIZE). */
export function parseBdat(line) {
    const match = /^BDAT ([0-9]{1,20})( LAST)?$/i.exec(line.trim());
    if (!match)
        return null;
    const size = Number(match[1]);
    return Number.isSafeInteger(size) ? { size, last: match[2] !== undefined } : null;
}
/** Takes the next `size` octets off the command stream, whatever TCP segments they arrive in. */
export class ChunkReader {
    sink;
    remaining;
    constructor(size, sink) {
        this.sink = sink;
        this.remaining = size;
    }
    /** Gives the chunk the octets it still lacks from `received`: null while it lacks more, else what follows the chunk. */
    feed(received) {
        const taken = Math.min(this.remaining, received.length);
        if (taken > 0)
            this.sink(received.subarray(0, taken));
        this.remaining -= taken;
        return this.remaining > 0 ? null : received.subarray(taken);
    }
    get complete() {
        return this.remaining === 0;
    }
}
/** The chunks of one message so far: the stream onData reads, and the octets it was given. */
export class ChunkedMessage {
    stream = new PassThrough();
    size = 0;
    /** RSET, a new greeting or the connection's end came before the verdict. */
    abandoned = false;
    /** Set once the message's last chunk is read: answers it with the verdict, then reading goes on. */
    lastChunkRead = null;
    verdict = null;
    write(octets) {
        this.size += octets.length;
        if (this.stream.writable)
            this.stream.write(octets);
    }
    /** The message is complete (BDAT LAST) or refused (over the size limit): onData's verdict answers the chunk read last. */
    end(resume) {
        this.lastChunkRead = resume;
        this.stream.end();
        this.answerWhenBoth();
    }
    /** onData decided; `answer` writes the reply. */
    decided(answer) {
        this.verdict = answer;
        this.answerWhenBoth();
    }
    /** RSET, a new greeting or the connection's end: onData's verdict on a message never finished is no one's. */
    abandon(reason) {
        this.abandoned = true;
        this.verdict = null;
        this.lastChunkRead = null;
        const error = Object.assign(new Error(reason), { code: "ECONNECTION" });
        if (!this.stream.writableEnded && !this.stream.destroyed)
            this.stream.destroy(error);
    }
    answerWhenBoth() {
        if (this.abandoned || !this.verdict || !this.lastChunkRead)
            return;
        const [answer, resume] = [this.verdict, this.lastChunkRead];
        this.verdict = null;
        this.lastChunkRead = null;
        answer();
        resume();
    }
}
//# sourceMappingURL=chunking.js.map