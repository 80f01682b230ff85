// Tests for the message data checks (RFC 6409 section 6.3, RFC 5322 section 3.6): From: required,
// Sender: with several authors, a parsable Date:, and the fields allowed once.
import { describe, expect, it } from "vitest";
import { parseHeaderSection } from "../../runtime/message/headerSection.js";
import { AT_MOST_ONCE_FIELDS, checkMessageData } from "../../runtime/message/messageChecks.js";

function check(text: string) {
  const parsed = parseHeaderSection(Buffer.from(text.replace(/\n/g, "\r\n")));
  if (!parsed.ok) throw new Error(parsed.reason);
  return checkMessageData(parsed.header);
}

describe("checkMessageData", () => {
  it.each([
    "From: alice@example.com\n\n",
    "From: Alice <alice@example.com>\nDate: Thu, 13 Feb 1969 23:32:54 -0330\nSubject: hi\n\nbody",
    "From: a@example.com, b@example.com\nSender: a@example.com\n\n",
    "From: Team: a@example.com, b@example.com;\nSender: a@example.com\n\n",
    "From: alice@example.com\nReceived: x\nReceived: y\nComments: 1\nComments: 2\nKeywords: a\nKeywords: b\nResent-Date: Thu, 13 Feb 1969 23:32:54 -0330\nResent-Date: Fri, 14 Feb 1969 23:32:54 -0330\n\n",
    "From: alice@example.com\nDate: 13 Feb 69 23:32 EST\n\n", // obsolete syntax still parses (RFC 5322 section 4.3)
    "from: alice\n\n", // unqualified, for `qualify headers` to complete
  ])("accepts %j", (text) => {
    expect(check(text)).toBeNull();
  });

  it.each([
    ["Subject: no author\n\n", "missingFrom", "message has no From: header field"],
    ["To: a@example.com\nReply-To: b@example.com\n\n", "missingFrom", "message has no From: header field"],
    ["From: \n\n", "emptyFrom", "From: header field holds no address"],
    ["From: Undisclosed:;\n\n", "emptyFrom", "From: header field holds no address"],
    ["From: a@example.com, b@example.com\n\n", "senderRequired", "From: names 2 mailboxes, so a Sender: header field is required"],
    ["From: a@example.com,\n b@example.com, c@example.com\n\n", "senderRequired", "From: names 3 mailboxes, so a Sender: header field is required"],
    ["From: a@example.com\nSender: a@example.com, b@example.com\n\n", "senderNotSingle", "Sender: must name exactly one mailbox, not 2"],
    ["From: a@example.com\nSender: \n\n", "senderNotSingle", "Sender: must name exactly one mailbox, not 0"],
    ["From: a@example.com\nDate: yesterday\n\n", "invalidDate", "Date: header field is not a valid RFC 5322 date"],
    ["From: a@example.com\nDate: 31 Feb 2024 10:00 +0000\n\n", "invalidDate", "Date: header field is not a valid RFC 5322 date"],
    ["From: a@example.com\nDate:\n\n", "invalidDate", "Date: header field is not a valid RFC 5322 date"],
    ["From: a@example.com\nFROM: b@example.com\n\n", "repeatedField", "From: occurs 2 times but may occur only once (RFC 5322 section 3.6)"],
    ["Subject: a\nFrom: a@example.com\nsubject: b\nSubject: c\n\n", "repeatedField", "Subject: occurs 3 times but may occur only once (RFC 5322 section 3.6)"],
  ])("refuses %j as %s", (text, kind, reason) => {
    expect(check(text)).toEqual({ check: kind, reason });
  });

  it.each(AT_MOST_ONCE_FIELDS)("refuses two %s fields", (name) => {
    const value = name === "Date" ? "Thu, 13 Feb 1969 23:32:54 -0330" : "a@example.com";
    const from = name === "From" ? "" : "From: a@example.com\n";
    expect(check(`${from}${name}: ${value}\n${name.toUpperCase()}: ${value}\n\n`)).toMatchObject({ check: "repeatedField" });
  });

  it("lists exactly the RFC 5322 section 3.6 fields with a maximum of one", () => {
    expect([...AT_MOST_ONCE_FIELDS].sort()).toEqual(["Bcc", "Cc", "Date", "From", "In-Reply-To", "Message-ID", "References", "Reply-To", "Sender", "Subject", "To"]);
  });
});
