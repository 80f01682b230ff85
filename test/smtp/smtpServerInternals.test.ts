// msa extends smtp-server's connection class and reaches into a few of its private members
// (runtime/smtp/msaConnection.ts, runtime/submissionServer.ts). The version is pinned exactly in
// package.json; this test fails loudly on an upgrade that renames or drops any of them.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { SMTPServer } from "smtp-server";
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> };

describe("smtp-server internals msa relies on", () => {
  it("is the exact version package.json pins", () => {
    const installed = (JSON.parse(readFileSync(require.resolve("smtp-server/package.json"), "utf8")) as { version: string }).version;
    expect(manifest.dependencies["smtp-server"]).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installed).toBe(manifest.dependencies["smtp-server"]);
  });

  it("still has every connection method msa overrides or calls", () => {
    const methods = ["init", "send", "connectionReady", "_setListeners", "_resetSession", "_createParser", "_parseAddressCommand", "_validateMailParams", "_onCommand", "handler_EHLO", "handler_AUTH"];
    for (const name of methods) expect(typeof (SMTPConnection.prototype as unknown as Record<string, unknown>)[name], name).toBe("function");
  });

  it("still has the server members msa calls and the fields it reads", () => {
    const server = new SMTPServer({ logger: false, disabledCommands: ["STARTTLS"] }) as unknown as Record<string, unknown>;
    for (const name of ["connect", "_upgrade", "_onError"]) expect(typeof server[name], name).toBe("function");
    expect(server._pendingSockets).toBeInstanceOf(Map);
    expect(server.connections).toBeInstanceOf(Set);
    expect(typeof (server.server as { emit?: unknown }).emit).toBe("function");
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
