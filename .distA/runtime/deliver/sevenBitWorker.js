// The worker thread behind sevenBitOffThread.ts: runs convertTo7Bit on the messages it is sent, so
// that a long conversion (seconds for a 25 MB worst case) holds this thread, not the server's event loop.
import { answerCalls } from "../threads/workerCalls.js";
import { convertTo7Bit } from "./sevenBitConversion.js";
answerCalls((message) => {
    const result = convertTo7Bit(Buffer.from(message.buffer, message.byteOffset, message.byteLength));
    if (result.kind !== "converted")
        return { result };
    // handed over, not copied: the converted message can be larger than the original
    const owned = ownArrayBuffer(result.message);
    return { result: { kind: "converted", message: Buffer.from(owned) }, transfer: [owned] };
});
/** The ArrayBuffer of `bytes` when they fill it alone (it can then be transferred), else a copy that they do. */
function ownArrayBuffer(bytes) {
    if (bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength)
        return bytes.buffer;
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    return copy.buffer;
}
//# sourceMappingURL=sevenBitWorker.js.map