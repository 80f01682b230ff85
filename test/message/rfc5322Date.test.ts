// Tests RFC 5322 date-time formatting in the local zone and lenient parsing of current and obsolete forms.
import { afterEach, describe, expect, it } from "vitest";
import { formatRfc5322Date, parseRfc5322Date } from "../../runtime/message/rfc5322Date.js";

const originalTZ = process.env.TZ;
function inZone(tz: string): void {
  // Node re-reads the zone when TZ is assigned
  process.env.TZ = tz;
}
afterEach(() => {
  if (originalTZ === undefined) delete process.env.TZ;
  else process.env.TZ = originalTZ;
});

const instant = new Date(Date.UTC(2026, 10, 28, 17, 11, 32));

describe("formatRfc5322Date", () => {
  it("formats UTC", () => {
    inZone("UTC");
    expect(formatRfc5322Date(instant)).toBe("Sat, 28 Nov 2026 17:11:32 +0000");
  });

  it("uses the local offset, east of UTC with half hours", () => {
    inZone("Asia/Kolkata");
    expect(formatRfc5322Date(instant)).toBe("Sat, 28 Nov 2026 22:41:32 +0530");
  });

  it("uses the local offset west of UTC, crossing midnight back", () => {
    inZone("America/St_Johns");
    expect(formatRfc5322Date(new Date(Date.UTC(2026, 0, 1, 1, 2, 3)))).toBe("Wed, 31 Dec 2025 21:32:03 -0330");
  });

  it("follows daylight saving time", () => {
    inZone("Europe/Berlin");
    expect(formatRfc5322Date(new Date(Date.UTC(2026, 6, 1, 12, 0, 0)))).toBe("Wed, 1 Jul 2026 14:00:00 +0200");
    expect(formatRfc5322Date(new Date(Date.UTC(2026, 0, 5, 12, 0, 0)))).toBe("Mon, 5 Jan 2026 13:00:00 +0100");
  });

  it("round trips through parseRfc5322Date in any zone", () => {
    for (const tz of ["UTC", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "Pacific/Kiritimati"]) {
      inZone(tz);
      const text = formatRfc5322Date(instant);
      expect(parseRfc5322Date(text)?.getTime(), `${tz}: ${text}`).toBe(instant.getTime());
    }
  });

  it("refuses an invalid Date", () => {
    expect(() => formatRfc5322Date(new Date(NaN))).toThrow(RangeError);
  });
});

describe("parseRfc5322Date", () => {
  const utc = (y: number, mo: number, d: number, h: number, mi: number, s = 0): number => Date.UTC(y, mo - 1, d, h, mi, s);
  const accepted: Array<[string, number]> = [
    ["Sat, 28 Nov 2026 17:11:32 +0000", utc(2026, 11, 28, 17, 11, 32)],
    ["28 Nov 2026 17:11:32 +0000", utc(2026, 11, 28, 17, 11, 32)],
    ["Tue, 1 Jul 2003 10:52:37 +0200", utc(2003, 7, 1, 8, 52, 37)],
    ["Thu, 13 Feb 1969 23:32:54 -0330", utc(1969, 2, 14, 3, 2, 54)],
    ["Fri, 21 Nov 1997 09:55:06 -0600", utc(1997, 11, 21, 15, 55, 6)],
    // obsolete forms, RFC 5322 section 4.3 and appendix A.6
    ["21 Nov 97 09:55:06 GMT", utc(1997, 11, 21, 9, 55, 6)],
    ["Fri, 21 Nov 03 09:55:06 GMT", utc(2003, 11, 21, 9, 55, 6)],
    ["Fri, 21 Nov 103 09:55:06 UT", utc(2003, 11, 21, 9, 55, 6)],
    ["Thu,\r\n      13\r\n        Feb\r\n          1969\r\n      23:32\r\n               -0330 (Newfoundland Time)", utc(1969, 2, 14, 3, 2)],
    ["Fri, 21 Nov 1997 09:55 EST", utc(1997, 11, 21, 14, 55)],
    ["Fri, 21 Nov 1997 09:55:06 PDT", utc(1997, 11, 21, 16, 55, 6)],
    ["Fri, 21 Nov 1997 09:55:06 A", utc(1997, 11, 21, 9, 55, 6)],
    ["Fri, 21 Nov 1997 09:55:06 CEST", utc(1997, 11, 21, 9, 55, 6)],
    ["fri, 21 nov 1997 09 : 55 : 06 -0000", utc(1997, 11, 21, 9, 55, 6)],
    ["Fri 21 Nov 1997 09:55:06 +0000", utc(1997, 11, 21, 9, 55, 6)],
    ["(comment) Fri, 21 (nested (comment)) Nov 1997 09:55:06 +0000 (\\) quoted)", utc(1997, 11, 21, 9, 55, 6)],
    ["Friday, 21 November 1997 09:55:06 +0000", utc(1997, 11, 21, 9, 55, 6)],
    ["Mon, 29 Feb 2016 00:00:00 +0000", utc(2016, 2, 29, 0, 0)],
    ["Wed, 31 Dec 2025 23:59:60 +0000", utc(2026, 1, 1, 0, 0, 0)],
  ];
  for (const [text, expected] of accepted) {
    it(`accepts ${JSON.stringify(text)}`, () => {
      expect(parseRfc5322Date(text)?.getTime()).toBe(expected);
    });
  }

  const refused = [
    "",
    "yesterday",
    "2026-11-28T17:11:32Z",
    "Sat, 28 Nov 2026",
    "Sat, 28 Nov 2026 17:11:32",
    "Sat, 28 Foo 2026 17:11:32 +0000",
    "Xyz, 28 Nov 2026 17:11:32 +0000",
    "Sat, 31 Nov 2026 17:11:32 +0000",
    "Sat, 29 Feb 2026 17:11:32 +0000",
    "Sat, 0 Nov 2026 17:11:32 +0000",
    "Sat, 28 Nov 2026 24:00:00 +0000",
    "Sat, 28 Nov 2026 17:60:00 +0000",
    "Sat, 28 Nov 2026 17:11:61 +0000",
    "Sat, 28 Nov 2026 17:11:32 +0060",
    "Sat, 28 Nov 1899 17:11:32 +0000",
    "Sat, 28 Nov 2026 17:11:32 +0000 (unclosed",
    "Sat, 28 Nov 2026 17:11:32 +0000)",
    "Sat, 28 Nov 2026 17:11:32 +00000",
    "Sat, 28 Nov 2026 17:11:32 +0000 extra",
  ];
  for (const text of refused) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      expect(parseRfc5322Date(text)).toBeNull();
    });
  }
});
