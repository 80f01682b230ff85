// RFC 3461 section 4: xtext, the encoding of DSN parameters (ORCPT=, ENVID=) on the wire.
/** RFC 3461 section 4: xtext, "+" and hex for anything outside "!".."~" and for "+" and "=". */
export function encodeXtext(value) {
    let encoded = "";
    for (const byte of Buffer.from(value, "utf8")) {
        encoded += byte < 0x21 || byte > 0x7e || byte === 0x2b || byte === 0x3d ? "+" + byte.toString(16).toUpperCase().padStart(2, "0") : String.fromCharCode(byte);
    }
    return encoded;
}
//# sourceMappingURL=xtext.js.map