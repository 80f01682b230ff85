// Drops repeated recipients of one transaction before delivery, for the server and `msac
// simulate` alike, so that a mailbox named twice gets the message once.
import { addressKey } from "../../formats/addressKey.js";
/**
 * The recipients without exact duplicates, each mailbox in its first spelling. Local parts are
 * compared exactly (RFC 5321 section 2.4: only the destination host may interpret their case),
 * domains without regard to case; `postmaster` is the one local part that ignores case
 * (RFC 5321 section 4.5.1).
 */
export function dedupeRecipients(recipients) {
    const seen = new Set();
    return recipients.filter((r) => {
        const key = mailboxKey(r.address);
        if (seen.has(key))
            return false;
        seen.add(key);
        return true;
    });
}
function mailboxKey(address) {
    const { local, domain, key } = addressKey(address);
    if (local.toLowerCase() !== "postmaster")
        return key;
    return domain === null ? "postmaster" : `postmaster@${domain}`;
}
//# sourceMappingURL=dedupeRecipients.js.map