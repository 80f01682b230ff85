// msa reaches into a few private members of four libraries: smtp-server's connection and server
// (runtime/smtp/msaConnection.ts, runtime/submissionServer.ts), nodemailer's SMTP connection
// (runtime/deliver/smtpConnectionInternals.ts), mailauth's DKIM internals (runtime/dkim/dkimSigner.ts) and
// chevrotain's recovery (grammar/parser.ts). Each is pinned exactly in package.json; this test
// fails loudly on an upgrade that renames or drops any of them.
import { readFileSync } from "node:fs";
import { SMTPServer } from "smtp-server";
import SMTPConnectionClient from "nodemailer/lib/smtp-connection";
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js";
import { describe, expect, it } from "vitest";

const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> };

const PINNED = ["smtp-server", "nodemailer", "mailauth", "chevrotain"];

describe("libraries whose internals msa touches", () => {
  it.each(PINNED)("%s is pinned to an exact version, and that version is installed", (name) => {
    // read from node_modules: chevrotain's `exports` does not expose its package.json
    const installed = (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), "utf8")) as { version: string }).version;
    expect(manifest.dependencies[name]).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installed).toBe(manifest.dependencies[name]);
  });
});

describe("smtp-server internals msa relies on", () => {
  it("still has every connection method msa overrides or calls", () => {
    const methods = [
      "init",
      "send",
      "connectionReady",
      "_setListeners",
      "_resetSession",
      "_createParser",
      "_parseAddressCommand",
      "_validateMailParams",
      "_onCommand",
      "handler_EHLO",
      "handler_HELO",
      "handler_AUTH",
      // BDAT (runtime/smtp/chunking.ts) refuses DATA after BDAT and ends its transaction as DATA does.
      "handler_DATA",
      // OAUTHBEARER (runtime/smtp/oauthBearer.ts) answers through these, as smtp-server's XOAUTH2 does.
      "_transmissionType",
    ];
    for (const name of methods) expect(typeof (SMTPConnection.prototype as unknown as Record<string, unknown>)[name], name).toBe("function");
  });

  it("still has the server members msa calls and the fields it reads", () => {
    const server = new SMTPServer({ logger: false, disabledCommands: ["STARTTLS"] }) as unknown as Record<string, unknown>;
    for (const name of ["connect", "_upgrade", "_onError", "onAuth"]) expect(typeof server[name], name).toBe("function");
    expect(server._pendingSockets).toBeInstanceOf(Map);
    expect(server.connections).toBeInstanceOf(Set);
  });

  it("hands what follows a command that set _dataMode back through _write, and counts transactions (BDAT)", () => {
    const parser = readFileSync(new URL("../node_modules/smtp-server/dist/esm/smtp-stream.js", import.meta.url), "utf8");
    expect(parser).toMatch(
      /if \(this\._dataMode\) \{\s*let buf = Buffer\.from\(data\.slice\(pos\), 'binary'\);\s*this\._remainder = '';\s*return this\._write\(buf, 'buffer', done\);/,
    );
    const connection = readFileSync(new URL("../node_modules/smtp-server/dist/esm/smtp-connection.js", import.meta.url), "utf8");
    expect(connection).toMatch(/this\._transactionCounter\+\+;\s*this\._unrecognizedCommands = 0;/);
  });

  it("takes a SASL continuation line through _nextHandler, as msa's OAUTHBEARER sets it", () => {
    const source = readFileSync(new URL("../node_modules/smtp-server/dist/esm/smtp-connection.js", import.meta.url), "utf8");
    expect(source).toMatch(/if \(this\._nextHandler\) \{\s*(\/\/[^\n]*\s*)?handler = this\._nextHandler;\s*this\._nextHandler = false;/);
  });

  it("has a line parser with the fields the command deadline reads", () => {
    const connection = Object.create(SMTPConnection.prototype) as { _server: unknown; _onCommand: unknown; send: unknown };
    connection._server = { options: { maxCommandLength: 512 } };
    const parser = (SMTPConnection.prototype as unknown as { _createParser(this: unknown): Record<string, unknown> })._createParser.call(connection);
    expect(parser._dataMode).toBe(false);
    expect(parser._remainder).toBe("");
    expect(typeof parser._write).toBe("function");
  });
});

describe("nodemailer internals msa relies on", () => {
  it("has the SMTP connection members the relay client wraps", () => {
    const connection = new SMTPConnectionClient({ host: "127.0.0.1", port: 1 }) as unknown as Record<string, unknown>;
    expect(Array.isArray(connection._supportedExtensions)).toBe(true);
    expect(typeof connection._sendCommand).toBe("function");
    expect(typeof connection._createSendStream).toBe("function");
    expect("_envelope" in connection).toBe(true);
  });

  it("keeps the reply handlers in _responseActions and every EHLO line in _ehloLines (XFORWARD)", () => {
    const connection = new SMTPConnectionClient({ host: "127.0.0.1", port: 1 }) as unknown as Record<string, unknown> & { _parseEhloExtensions(reply: string): void };
    expect(Array.isArray(connection._responseActions)).toBe(true);
    connection._parseEhloExtensions("250-next.example\r\n250-PIPELINING\r\n250-XFORWARD NAME ADDR PROTO HELO\r\n250 8BITMIME");
    expect(connection._ehloLines).toEqual(["PIPELINING", "XFORWARD NAME ADDR PROTO HELO", "8BITMIME"]);
  });

  it("pushes DATA's reply handler just before it sends DATA, which msa's BDAT answers itself", () => {
    const source = readFileSync(new URL("../node_modules/nodemailer/dist/esm/smtp-connection/index.js", import.meta.url), "utf8");
    expect(source.match(/this\._responseActions\.push\(str => \{\s*this\._actionDATA\(str, callback\);\s*\}\);\s*this\._sendCommand\('DATA'\);/g)).toHaveLength(2);
  });
});

describe("mailauth internals msa relies on", () => {
  it("exports the DKIM body hasher, header canonicaliser and signature formatter from lib/", async () => {
    expect(typeof (await import("mailauth/lib/dkim/body/index.js")).dkimBody).toBe("function");
    expect(typeof (await import("mailauth/lib/dkim/header/index.js")).generateCanonicalizedHeader).toBe("function");
    expect(typeof (await import("mailauth/lib/tools.js")).formatSignatureHeaderLine).toBe("function");
  });
});

describe("chevrotain internals msa relies on", () => {
  it("has the repetition recovery hook the parser wraps", async () => {
    const { CstParser } = await import("chevrotain");
    expect(typeof (CstParser.prototype as unknown as Record<string, unknown>).attemptInRepetitionRecovery).toBe("function");
  });
});
