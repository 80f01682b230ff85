// A built-in cap on the header section (the fields before the empty line), checked on the raw bytes
// before anything parses them: every per-message step reads the header field by field, and a header
// section of megabytes is not mail but a way to make the server work (docs/limits.md). The message
// stage refuses it with 552 5.3.4 before its first node (runtime/decision/messageStage.ts).
/** 1 MiB, Exim's default `header_maxsize`; real header sections are a few kilobytes. */
export const MAX_HEADER_SECTION_BYTES = 1024 * 1024;
/**
 * The header section's length in bytes when it exceeds MAX_HEADER_SECTION_BYTES, else null. The
 * section ends with the CRLF before the first empty line, or with the data when there is none.
 */
export function oversizedHeaderSection(message) {
    if (message.length <= MAX_HEADER_SECTION_BYTES)
        return null;
    if (message[0] === 0x0d && message[1] === 0x0a)
        return null; // an empty header section
    const blankLine = message.indexOf("\r\n\r\n");
    const length = blankLine < 0 ? message.length : blankLine + 2;
    return length > MAX_HEADER_SECTION_BYTES ? length : null;
}
//# sourceMappingURL=headerSectionLimit.js.map