// Policy switches of the SMTP layer over real sockets: `tls ciphers` (the TLS 1.2 cipher list the
// server offers), `allow bare line endings` (bare CR/LF made CRLF instead of refused), and
// `limit recipients except` (everyone but the listed targets).
import tls from "node:tls";
import { beforeAll, describe, expect, it } from "vitest";
import type { NextHop } from "../support/nextHop.js";
import { rawSmtp } from "../support/smtplib.js";
import { codes, type RunningMsa, startMsaWithNextHop } from "./harness.js";

const CIPHER = "ECDHE-RSA-AES128-GCM-SHA256";
let hop: NextHop;
let msa: RunningMsa;

beforeAll(async () => {
  ({ hop, msa } = await startMsaWithNextHop((url) => [
    "hostname msa.example.test",
    "{TLS}",
    `tls ciphers "${CIPHER}"`,
    "listen 127.0.0.1:2465 tls",
    "listen 127.0.0.1:2525 plain",
    "allow unauthenticated",
    "qualify domains example.test",
    "allow bare line endings",
    "limit recipients except @competitor.example",
    `deliver relay ${url}`,
  ]));
});

describe("tls ciphers", () => {
  it("offers only the listed TLS 1.2 cipher", async () => {
    const cipher = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: "127.0.0.1", port: msa.ports[0], ca: msa.pki.caCertPem, servername: "localhost", maxVersion: "TLSv1.2" }, () => {
        resolve(socket.getCipher().standardName ?? socket.getCipher().name);
        socket.end();
      });
      socket.on("error", reject);
    });
    expect(cipher).toMatch(/ECDHE_RSA_WITH_AES_128_GCM_SHA256|ECDHE-RSA-AES128-GCM-SHA256/);
  });

  it("refuses a client that offers none of them", async () => {
    const failure = await new Promise<string>((resolve) => {
      const socket = tls.connect({ host: "127.0.0.1", port: msa.ports[0], ca: msa.pki.caCertPem, servername: "localhost", maxVersion: "TLSv1.2", ciphers: "AES256-SHA" }, () =>
        resolve("connected"),
      );
      socket.on("error", (error) => resolve(error.message));
    });
    expect(failure).not.toBe("connected");
  });
});

describe("allow bare line endings", () => {
  it("takes a message with bare LF and delivers it with CRLF line endings", async () => {
    const before = hop.messages.length;
    const replies = await rawSmtp(msa.ports[1]!, [
      "EHLO client.example",
      "MAIL FROM:<alice>",
      "RCPT TO:<bob>",
      "DATA",
      Buffer.from("Subject: lf\nFrom: alice\n\nline one\nline two\r\n.\r\n"),
    ]);
    expect(codes(replies.at(-1))).toBe("250 2.0.0");
    const [message] = await hop.waitForMessages(before + 1);
    const delivered = hop.messages.at(-1)!.raw.toString("latin1");
    expect(message).toBeDefined();
    expect(delivered).toContain("Subject: lf\r\nFrom: alice@example.test\r\n\r\nline one\r\nline two\r\n");
    expect(/[^\r]\n/.test(delivered)).toBe(false);
  });
});

describe("limit recipients except", () => {
  it("refuses the listed targets with 550 5.7.1 and takes the rest", async () => {
    const replies = await rawSmtp(msa.ports[1]!, ["EHLO client.example", "MAIL FROM:<alice>", "RCPT TO:<rival@competitor.example>", "RCPT TO:<friend@partner.example>"]);
    expect(codes(replies[3])).toBe("550 5.7.1");
    expect(codes(replies[4])).toBe("250 2.1.5");
    expect(msa.logs.find((l) => l.event === "reject" && l.code === 550)?.rule).toBe(`${msa.file}:9`);
  });

  it("refuses a local part that routes to a listed target (percent hack, bang path, quoted address), and delivers none", async () => {
    const before = hop.messages.length;
    const routed = ["x%competitor.example@example.test", "competitor.example!x@example.test", '"x@competitor.example"@example.test', "x%competitor.example"];
    const replies = await rawSmtp(msa.ports[1]!, [
      "EHLO client.example",
      "MAIL FROM:<alice>",
      ...routed.map((r) => `RCPT TO:<${r}>`),
      "RCPT TO:<friend@partner.example>",
      "DATA",
      "Subject: s\r\n\r\nbody\r\n.",
    ]);
    expect(replies.slice(3, 7).map(codes)).toEqual(Array(4).fill("550 5.7.1"));
    expect(codes(replies[7])).toBe("250 2.1.5");
    expect(codes(replies.at(-1))).toBe("250 2.0.0");
    await hop.waitForMessages(before + 1);
    expect(hop.messages.at(-1)!.rcptTo).toEqual(["friend@partner.example"]);
    const refused = msa.logs.filter((l) => l.event === "reject" && String(l.default ?? "").includes("routing"));
    expect(refused).toHaveLength(4);
  });
});
