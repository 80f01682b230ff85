// Sizes as the policy writes them: decimal (KB = 1000) and binary (KiB = 1024) units.
import { closestMatch, soleClosestMatch } from "../grammar/spelling.js";
const UNITS = {
    B: 1,
    KB: 1000,
    MB: 1000 ** 2,
    GB: 1000 ** 3,
    KiB: 1024,
    MiB: 1024 ** 2,
    GiB: 1024 ** 3,
};
export function parseSize(text) {
    const match = /^(\d+)([A-Za-z]*)$/.exec(text);
    if (!match)
        return { ok: false, message: `\`${text}\` is not a size`, hint: "write a number and a unit, such as `10MB`" };
    const [, digits, unit] = match;
    if (unit === "")
        return { ok: false, message: `size \`${text}\` has no unit`, hint: `write \`${digits}B\`, \`${digits}KB\` or \`${digits}MB\`` };
    const factor = UNITS[unit];
    if (factor === undefined) {
        const units = Object.keys(UNITS);
        const sameIgnoringCase = (candidate) => units.find((u) => u.toLowerCase() === candidate.toLowerCase());
        // `25M` means megabytes, not `25B`: a unit without its `B` is a prefix, completed before any guess by spelling.
        const sameLetter = units.filter((u) => u[0].toLowerCase() === unit[0].toLowerCase());
        const certain = sameIgnoringCase(unit) ?? sameIgnoringCase(unit + "B") ?? soleClosestMatch(unit, sameLetter);
        const suggestion = certain ?? closestMatch(unit, sameLetter) ?? (unit.length > 1 ? closestMatch(unit, units) : undefined);
        return {
            ok: false,
            message: `unknown size unit \`${unit}\``,
            hint: suggestion ? `did you mean \`${digits}${suggestion}\`?` : "units are B, KB, MB, GB, KiB, MiB, GiB",
            ...(certain ? { fix: `${digits}${certain}` } : {}),
        };
    }
    return { ok: true, bytes: Number(digits) * factor };
}
/** The shortest exact way to write `bytes`, for `msac print` and messages. */
export function formatSize(bytes) {
    for (const unit of ["GiB", "GB", "MiB", "MB", "KiB", "KB"]) {
        if (bytes % UNITS[unit] === 0)
            return `${bytes / UNITS[unit]}${unit}`;
    }
    return `${bytes}B`;
}
//# sourceMappingURL=size.js.map