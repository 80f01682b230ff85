// 7-bit conversion (sevenBitConversion.ts) without holding the event loop: a message of any size is
// converted in one worker thread, so that other sessions keep being answered while it runs
// (docs/limits.md). Small messages, which take well under a millisecond, are converted in line.
import { workerCalls } from "../threads/workerCalls.js";
import { convertTo7Bit } from "./sevenBitConversion.js";
/** Below this size a worst-case conversion takes about 15 ms (bench: 230 ns per byte), less than a round trip to the worker is worth. */
export const IN_LINE_BYTES = 64 * 1024;
const convertInWorker = workerCalls("deliver/sevenBitWorker.js", "7-bit conversion");
/** convertTo7Bit's answer, byte for byte, computed off the event loop for a message over IN_LINE_BYTES. */
export async function convertTo7BitOffThread(message) {
    if (message.length <= IN_LINE_BYTES)
        return convertTo7Bit(message);
    // a copy is sent (the caller still holds the message); its buffer moves to the worker without a second copy
    const copy = new Uint8Array(message);
    const result = await convertInWorker(copy, [copy.buffer]);
    // the worker's Buffer arrives as a plain Uint8Array
    return result.kind === "converted" ? { kind: "converted", message: Buffer.from(result.message.buffer, result.message.byteOffset, result.message.byteLength) } : result;
}
//# sourceMappingURL=sevenBitOffThread.js.map