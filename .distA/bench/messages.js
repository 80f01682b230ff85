// Deterministic test mail: a seeded generator, so every run (and every server in a
// run) receives exactly the same messages, sizes spread between 5 and 50 KB.
/** mulberry32: a small, fast, seeded PRNG; good enough to spread sizes and words. */
export function seededRandom(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
const WORDS = [
    "submission",
    "policy",
    "relay",
    "spool",
    "header",
    "envelope",
    "queue",
    "morning",
    "rush",
    "report",
    "meeting",
    "budget",
    "draft",
    "review",
    "notes",
    "the",
    "a",
    "and",
    "of",
    "to",
];
export const MIN_MESSAGE_BYTES = 5_000;
export const MAX_MESSAGE_BYTES = 50_000;
/**
 * `count` messages from `from`, each to one to three recipients at `domain`. Some lack Date
 * and Message-ID (as many MUAs leave them to the MSA), so the `add` rules do real work.
 */
export function generateMessages(count, from, domain, seed = 8) {
    const random = seededRandom(seed);
    const messages = [];
    for (let index = 0; index < count; index++) {
        const size = MIN_MESSAGE_BYTES + Math.floor(random() * (MAX_MESSAGE_BYTES - MIN_MESSAGE_BYTES));
        const recipients = 1 + Math.floor(random() * 3);
        const to = Array.from({ length: recipients }, (_, r) => `rcpt${(index + r) % 97}@${domain}`);
        const header = [`From: Bench Sender <${from}>`, `To: ${to.join(", ")}`, `Subject: bench message ${index}`];
        if (index % 2 === 0)
            header.push(`Date: Sat, 28 Nov 2026 09:00:00 +0000`, `Message-ID: <bench.${index}@client.bench.test>`);
        header.push("MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8");
        let text = header.join("\r\n") + "\r\n\r\n";
        let line = "";
        while (text.length < size) {
            const word = WORDS[Math.floor(random() * WORDS.length)];
            if (line.length + word.length + 1 > 72) {
                text += line + "\r\n";
                line = "";
            }
            line += (line ? " " : "") + word;
        }
        text += line + "\r\n";
        messages.push({ from, to, raw: Buffer.from(text, "utf8") });
    }
    return messages;
}
//# sourceMappingURL=messages.js.map