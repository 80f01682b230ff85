// Message data checks (RFC 6409 section 6.3: the MSA MAY reject a message that is not valid
// RFC 5322 rather than repair it): From: present, a Sender: when From: names several
// mailboxes, a Date: that parses, and the fields RFC 5322 section 3.6 allows once, once.
// Pure; the server answers a non-null result with 554 5.6.0 after DATA. It never invents a From:.
import { listHeaderAddresses } from "../address/addressHeader.js";
import { fieldsNamed } from "./headerSection.js";
import { parseRfc5322Date } from "./rfc5322Date.js";
/** RFC 5322 section 3.6, the table's "max number" column: the fields that may occur at most once. */
export const AT_MOST_ONCE_FIELDS = ["Date", "From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Message-ID", "In-Reply-To", "References", "Subject"];
/** The first problem found, in the order of the table above; null when the header passes. */
/** `addsFrom`: a missing From: is not a problem, the message stage adds the login's own (`add From`). */
export function checkMessageData(header, options = {}) {
    // RFC 5322 section 3.6: each of these at most once. Checked first, so the later checks see one field.
    for (const name of AT_MOST_ONCE_FIELDS) {
        const count = fieldsNamed(header, name).length;
        if (count > 1)
            return { check: "repeatedField", reason: `${name}: occurs ${count} times but may occur only once (RFC 5322 section 3.6)` };
    }
    const from = fieldsNamed(header, "From")[0];
    // RFC 5322 section 3.6: From: is required. RFC 6409 section 8 lets an MSA add fields, but an
    // author address it guessed would be a forgery, so the message is refused instead.
    if (from === undefined && !options.addsFrom)
        return { check: "missingFrom", reason: "message has no From: header field" };
    const authors = from === undefined ? [] : listHeaderAddresses(from.value);
    // RFC 5322 section 3.6.2: from = "From:" mailbox-list CRLF, one mailbox at least.
    if (from !== undefined && authors.length === 0)
        return { check: "emptyFrom", reason: "From: header field holds no address" };
    const sender = fieldsNamed(header, "Sender")[0];
    // RFC 5322 section 3.6.2: with several authors, the Sender: field MUST be present.
    if (authors.length > 1 && sender === undefined) {
        return { check: "senderRequired", reason: `From: names ${authors.length} mailboxes, so a Sender: header field is required` };
    }
    // RFC 5322 section 3.6.2: sender = "Sender:" mailbox, exactly one.
    if (sender !== undefined) {
        const count = listHeaderAddresses(sender.value).length;
        if (count !== 1)
            return { check: "senderNotSingle", reason: `Sender: must name exactly one mailbox, not ${count}` };
    }
    // RFC 5322 section 3.3: the date must parse; a missing Date: is added by the MSA (RFC 6409 section 8.3).
    const date = fieldsNamed(header, "Date")[0];
    if (date !== undefined && parseRfc5322Date(date.value) === null) {
        return { check: "invalidDate", reason: "Date: header field is not a valid RFC 5322 date" };
    }
    return null;
}
//# sourceMappingURL=messageChecks.js.map