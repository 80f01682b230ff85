// Writes and reads the date-time of RFC 5322 section 3.3, for Date: and the Received: stamp (formatting in
// the local time zone with its real offset) and for a later "Date must parse" check (obsolete forms of
// RFC 5322 section 4.3 accepted: two- and three-digit years, named zones, comments, missing seconds).
const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const FULL_DAY_NAMES = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const FULL_MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
/** `Sat, 28 Nov 2026 17:11:32 +0000` in the local time zone of this process. */
export function formatRfc5322Date(date) {
    if (Number.isNaN(date.getTime())) {
        throw new RangeError("cannot format an invalid Date");
    }
    // getTimezoneOffset() is minutes *behind* UTC, so +0100 comes back as -60
    const offset = -date.getTimezoneOffset();
    const sign = offset < 0 ? "-" : "+";
    const abs = Math.abs(offset);
    const zone = `${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`;
    const time = `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
    const year = String(date.getFullYear()).padStart(4, "0");
    return `${DAY_NAMES[date.getDay()]}, ${date.getDate()} ${MONTH_NAMES[date.getMonth()]} ${year} ${time} ${zone}`;
}
// after comments are removed: [day-of-week ","] day month year hour ":" minute [":" second] zone
const DATE_TIME = /^(?:([a-z]+)\s*,?\s*)?(\d{1,2})\s*([a-z]+)\s*(\d{2,})\s+(\d{1,2})\s*:\s*(\d{1,2})(?:\s*:\s*(\d{1,2}))?\s*(?:([+-])(\d{2})(\d{2})|([a-z]{1,5}))$/i;
// RFC 5322 section 4.3: obs-zone names and their offsets in minutes
const NAMED_ZONES = {
    UT: 0,
    GMT: 0,
    Z: 0,
    EST: -300,
    EDT: -240,
    CST: -360,
    CDT: -300,
    MST: -420,
    MDT: -360,
    PST: -480,
    PDT: -420,
};
/** The instant a date-time names, or null when the text is not one, not even in obsolete syntax. */
export function parseRfc5322Date(text) {
    const stripped = stripComments(text);
    if (stripped === null) {
        return null;
    }
    const m = DATE_TIME.exec(stripped.replace(/\s+/g, " ").trim());
    if (m === null) {
        return null;
    }
    const [, dayName, dayText, monthText, yearText, hourText, minuteText, secondText, sign, zoneH, zoneM, zoneName] = m;
    // the day of week is checked for being a day name only: a wrong one does not hide which day is meant
    if (dayName !== undefined && dayIndex(dayName) === -1) {
        return null;
    }
    const month = monthIndex(monthText);
    if (month === -1) {
        return null;
    }
    let year = Number(yearText);
    // RFC 5322 section 4.3: two digits are 1950-2049, three digits are added to 1900
    if (yearText.length === 2) {
        year += year < 50 ? 2000 : 1900;
    }
    else if (yearText.length === 3) {
        year += 1900;
    }
    const day = Number(dayText);
    const hour = Number(hourText);
    const minute = Number(minuteText);
    const second = secondText === undefined ? 0 : Number(secondText);
    // RFC 5322 section 3.3: year 1900 or later; second 60 is a leap second
    if (year < 1900 || year > 275000 || hour > 23 || minute > 59 || second > 60 || day < 1 || day > daysInMonth(year, month)) {
        return null;
    }
    let offset;
    if (sign !== undefined) {
        if (Number(zoneM) > 59) {
            return null;
        }
        offset = (sign === "-" ? -1 : 1) * (Number(zoneH) * 60 + Number(zoneM));
    }
    else {
        const name = zoneName.toUpperCase();
        // military letters and unknown names mean "-0000", an unknown offset taken as UTC (RFC 5322 section 4.3)
        offset = NAMED_ZONES[name] ?? 0;
    }
    const utc = Date.UTC(year, month, day, hour, minute, second) - offset * 60_000;
    return new Date(utc);
}
/** Replaces each comment (RFC 5322 section 3.2.2, nested, with quoted-pairs) by a space; null if unbalanced. */
function stripComments(text) {
    let out = "";
    let depth = 0;
    for (let i = 0; i < text.length; i++) {
        const ch = text[i];
        if (depth > 0) {
            if (ch === "\\") {
                i++;
            }
            else if (ch === "(") {
                depth++;
            }
            else if (ch === ")") {
                depth--;
                if (depth === 0) {
                    out += " ";
                }
            }
        }
        else if (ch === "(") {
            depth = 1;
        }
        else if (ch === ")") {
            return null;
        }
        else {
            out += ch;
        }
    }
    return depth === 0 ? out : null;
}
function dayIndex(name) {
    const lower = name.toLowerCase();
    const short = DAY_NAMES.findIndex((d) => d.toLowerCase() === lower);
    return short !== -1 ? short : FULL_DAY_NAMES.indexOf(lower);
}
function monthIndex(name) {
    const lower = name.toLowerCase();
    const short = MONTH_NAMES.findIndex((m) => m.toLowerCase() === lower);
    return short !== -1 ? short : FULL_MONTH_NAMES.indexOf(lower);
}
function daysInMonth(year, month) {
    return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}
function pad2(n) {
    return String(n).padStart(2, "0");
}
//# sourceMappingURL=rfc5322Date.js.map