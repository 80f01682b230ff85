// Reads the DATA stream that smtp-server hands to onData: keeps the exact bytes, counts the size and finds
// bare CR / bare LF, the line endings that SMTP smuggling relies on (CVE-2023-51764, -51765, -51766).
//
// What smtp-server (3.21) does before we see a byte (lib/smtp-stream.js, checked against a live server):
// - DATA ends only on <CRLF>.<CRLF> (RFC 5321 section 4.1.1.4), or on ".<CRLF>" right after the DATA line.
//   "\n.\n", "\r.\r", "\n.\r\n" and "\r\n.\n" do not end DATA; they arrive here as message content.
// - The CRLF in front of the terminating dot is delivered as the last line's end, so the data is empty or
//   ends with CRLF.
// - Dot-stuffing (RFC 5321 section 4.5.2) is undone for ".." after any LF, bare LF included: "x\n..y"
//   arrives as "x\n.y". Such data holds a bare LF, which this module reports, so it is refused anyway.
// A next hop that ends DATA on a bare line ending would read the rest as new commands, so the server refuses
// every bare CR or LF instead of passing it on (RFC 5321 section 2.3.8: CR and LF only as CRLF).
import { finished } from "node:stream";
const CR = 0x0d;
const LF = 0x0a;
/** Reads `stream` to its end; rejects only when the stream fails or closes before its end. */
export function readMessageData(stream, options) {
    const { maxBytes } = options;
    return new Promise((resolve, reject) => {
        let chunks = [];
        let size = 0;
        let badChunk = false;
        const scanner = new BareLineEndingScanner();
        const onData = (chunk) => {
            if (!(chunk instanceof Uint8Array)) {
                // a string chunk means someone called setEncoding: the original bytes are gone
                badChunk = true;
                return;
            }
            const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
            size += buf.length;
            scanner.scan(buf);
            if (chunks !== null) {
                if (maxBytes !== null && size > maxBytes) {
                    // keep draining (smtp-server waits for the stream's end before it replies) but free what we held
                    chunks = null;
                }
                else {
                    chunks.push(buf);
                }
            }
        };
        stream.on("data", onData);
        // finished() also reports a stream that is destroyed without 'end' (client gone in mid-DATA)
        const cleanup = finished(stream, { writable: false }, (err) => {
            cleanup();
            stream.off("data", onData);
            if (err) {
                reject(new IncompleteMessageError(`message data not received in full: ${err.message}`, { cause: err }));
                return;
            }
            if (badChunk) {
                reject(new TypeError("message data stream delivered text instead of bytes (setEncoding was called)"));
                return;
            }
            const tooBig = chunks === null;
            resolve({
                bytes: tooBig ? Buffer.alloc(0) : Buffer.concat(chunks, size),
                size,
                tooBig,
                bareLineEnding: scanner.finish(),
            });
        });
    });
}
/**
 * Finds the first bare CR or bare LF in a byte sequence fed in chunks. A CRLF may be split across two chunks,
 * so a CR at the end of a chunk is only judged when the next byte arrives (or the data ends).
 */
/** The client went away (or the stream was torn down) before the final dot: the client's fault, not ours. */
export class IncompleteMessageError extends Error {
}
export class BareLineEndingScanner {
    scanned = 0;
    pendingCR = false;
    found = null;
    scan(chunk) {
        const base = this.scanned;
        this.scanned += chunk.length;
        if (this.found !== null || chunk.length === 0) {
            return;
        }
        let from = 0;
        if (this.pendingCR) {
            this.pendingCR = false;
            if (chunk[0] !== LF) {
                this.found = { kind: "CR", offset: base - 1 };
                return;
            }
            from = 1;
        }
        // first CR that is not followed by LF within this chunk; a final CR waits for the next chunk
        let bareCR = -1;
        let trailingCR = false;
        for (let i = chunk.indexOf(CR, from); i !== -1; i = chunk.indexOf(CR, i + 2)) {
            if (i === chunk.length - 1) {
                trailingCR = true;
                break;
            }
            if (chunk[i + 1] !== LF) {
                bareCR = i;
                break;
            }
        }
        // first LF that is not preceded by CR; at index 0 the previous byte was not a CR (pendingCR handled above)
        let bareLF = -1;
        for (let i = chunk.indexOf(LF, from); i !== -1; i = chunk.indexOf(LF, i + 1)) {
            if (i === 0 || chunk[i - 1] !== CR) {
                bareLF = i;
                break;
            }
        }
        if (bareCR !== -1 && (bareLF === -1 || bareCR < bareLF)) {
            this.found = { kind: "CR", offset: base + bareCR };
        }
        else if (bareLF !== -1) {
            this.found = { kind: "LF", offset: base + bareLF };
        }
        else {
            this.pendingCR = trailingCR;
        }
    }
    /** the first bare line ending, once all data was scanned; a CR as the very last byte is bare */
    finish() {
        if (this.found === null && this.pendingCR) {
            this.found = { kind: "CR", offset: this.scanned - 1 };
            this.pendingCR = false;
        }
        return this.found;
    }
}
//# sourceMappingURL=readMessageData.js.map