// The message as a next hop can take it (RFC 6409 section 8.4): 8-bit content for a next hop
// without 8BITMIME, or UTF-8 header fields for one without SMTPUTF8, is converted to 7-bit MIME
// (sevenBitConversion.ts) and signed again; refused only when it cannot be, or the policy says so.
import { DeliveryReplies } from "../../graph/replies.js";
import { permanent, temporary } from "./relayOutcome.js";
import { hasEightBitByte } from "./sevenBitConversion.js";
import { convertTo7BitOffThread } from "./sevenBitOffThread.js";
/**
 * The bytes to send to a next hop that offered `extensions`, and whether they were converted; or
 * the outcome that refuses the message (the session with the next hop stays usable).
 */
export async function contentForNextHop(message, extensions, target, resign, where) {
    const eightBitHeader = hasEightBitByte(headerSection(message));
    if (!hasEightBitByte(message) || (extensions.has("8BITMIME") && (!eightBitHeader || extensions.has("SMTPUTF8")))) {
        return { payload: message, converted: false };
    }
    if (target.require8BitMime)
        return permanent(DeliveryReplies.eightBitRequired(where));
    // off the event loop: a worst-case message takes seconds to convert (docs/limits.md)
    const conversion = await convertTo7BitOffThread(message);
    if (conversion.kind === "impossible")
        return permanent(DeliveryReplies.eightBitNotConvertible(where, conversion.reason));
    if (conversion.kind !== "converted")
        return { payload: message, converted: false };
    if (!resign)
        return { payload: conversion.message, converted: true };
    try {
        return { payload: await resign(conversion.message), converted: true };
    }
    catch (error) {
        return temporary(DeliveryReplies.convertedNotSigned(error.message));
    }
}
function headerSection(message) {
    const end = message.indexOf("\r\n\r\n");
    return end < 0 ? message : message.subarray(0, end);
}
//# sourceMappingURL=relayContent.js.map