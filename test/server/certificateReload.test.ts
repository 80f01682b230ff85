// Certificates reloaded while msa runs: real TLS handshakes (node:tls, implicit TLS and STARTTLS)
// read the served certificate's fingerprint before and after its files are replaced: in place by
// an atomic rename, by a certbot-like swap of the symlinks in live/ to new files in archive/, and
// for one SNI certificate alone. Broken replacements (key of another certificate, half-written,
// expired, missing) leave the old certificate served and log one event with the file and reason.
// A session open across a change goes on. `msac serve` re-reads them on SIGHUP too.
import { mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import tls from "node:tls";
import { X509Certificate } from "node:crypto";
import { generate } from "selfsigned";
import { beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../../runtime/metrics/metrics.js";
import { freePort } from "../support/freePort.js";
import { startProcess } from "../support/processes.js";
import { type LogEvent, type RunningMsa, startMsa } from "./harness.js";

interface Pair {
  cert: string;
  key: string;
  fingerprint: string;
}

/** A self-signed EC certificate (fast to make) for `names`, valid from `from` to `to`. */
async function makePair(names: string[], validity: { from?: Date; to?: Date } = {}): Promise<Pair> {
  const pems = await generate([{ name: "commonName", value: names[0]! }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames: names.map((value) => ({ type: 2, value })) }],
    ...(validity.from ? { notBeforeDate: validity.from } : {}),
    ...(validity.to ? { notAfterDate: validity.to } : {}),
  } as Parameters<typeof generate>[1]);
  return { cert: pems.cert, key: pems.private, fingerprint: new X509Certificate(pems.cert).fingerprint256 };
}

/** Replaces `file` the way editors and deploy scripts do: a temporary file renamed over it. */
async function replaceAtomically(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

/** The fingerprint of the certificate an implicit TLS handshake on `port` presents for `servername`. */
function servedOverTls(port: number, servername = "localhost"): Promise<string> {
  return new Promise((done, fail) => {
    const socket = tls.connect({ host: "127.0.0.1", port, servername, rejectUnauthorized: false }, () => {
      done(socket.getPeerX509Certificate()!.fingerprint256);
      socket.destroy();
    });
    socket.once("error", fail);
  });
}

/** The same after EHLO and STARTTLS on a plain connection (RFC 3207). */
function servedOverStarttls(port: number, servername = "localhost"): Promise<string> {
  return new Promise((done, fail) => {
    const plain = net.connect({ host: "127.0.0.1", port });
    plain.once("error", fail);
    // what to send after each final reply line: the greeting, EHLO's 250, STARTTLS's 220
    const next = ["EHLO client.example", "STARTTLS"];
    let buffered = "";
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString("latin1");
      let end: number;
      while ((end = buffered.indexOf("\r\n")) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (!/^\d{3} /.test(line)) continue;
        const command = next.shift();
        if (command) {
          plain.write(`${command}\r\n`);
          continue;
        }
        plain.off("data", onData);
        const secure = tls.connect({ socket: plain, servername, rejectUnauthorized: false }, () => {
          done(secure.getPeerX509Certificate()!.fingerprint256);
          secure.destroy();
        });
        secure.once("error", fail);
        return;
      }
    };
    plain.on("data", onData);
  });
}

const since = (msa: RunningMsa, from: number, event: string) => msa.logs.slice(from).filter((e) => e.event === event);

/** Waits for the next `event` logged after index `from`. */
async function nextEvent(msa: RunningMsa, from: number, event: string): Promise<LogEvent> {
  for (let i = 0; i < 500; i++) {
    const found = since(msa, from, event)[0];
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no ${event} event logged`);
}

let dir: string;
let first: Pair;
let second: Pair;
let expired: Pair;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "msa-cert-reload-"));
  const year = 365 * 24 * 3600 * 1000;
  [first, second, expired] = await Promise.all([
    makePair(["localhost", "msa.example.test"]),
    makePair(["localhost", "msa.example.test"]),
    makePair(["localhost"], { from: new Date(Date.now() - 2 * year), to: new Date(Date.now() - year) }),
  ]);
  return () => rm(dir, { recursive: true, force: true });
});

/** A policy serving `cert`/`key` on an implicit TLS and a STARTTLS listener. */
async function serving(cert: string, key: string, extra: string[] = []) {
  const metrics = createMetrics();
  const msa = await startMsa(
    [
      "hostname msa.example.test",
      `tls certificate "${cert}" key "${key}"`,
      ...extra,
      "listen 127.0.0.1:2465 tls",
      "listen 127.0.0.1:2587 starttls",
      "allow unauthenticated",
      'deliver spool "spool"',
    ],
    { metrics, certificateDebounceMs: 100, stopAfter: "test" },
  );
  return { msa, metrics, tlsPort: msa.ports[0]!, starttlsPort: msa.ports[1]! };
}

describe("a replaced certificate", () => {
  it("is served to new handshakes after an atomic rename, while a session opened before goes on", async () => {
    const folder = await mkdtemp(join(dir, "rename-"));
    const [cert, key] = [join(folder, "server.pem"), join(folder, "server.key")];
    await writeFile(cert, first.cert);
    await writeFile(key, first.key);
    const { msa, metrics, tlsPort, starttlsPort } = await serving(cert, key);
    expect(await servedOverTls(tlsPort)).toBe(first.fingerprint);
    expect(await servedOverStarttls(starttlsPort)).toBe(first.fingerprint);

    const open = tls.connect({ host: "127.0.0.1", port: tlsPort, servername: "localhost", rejectUnauthorized: false });
    const replies: string[] = [];
    open.on("data", (chunk: Buffer) => replies.push(chunk.toString()));
    await new Promise((r) => open.once("secureConnect", r));

    const from = msa.logs.length;
    await replaceAtomically(key, second.key);
    await replaceAtomically(cert, second.cert);
    const reloaded = await nextEvent(msa, from, "certificate-reloaded");
    expect(reloaded).toMatchObject({ certificate: cert, key, fingerprint: second.fingerprint, trigger: "file-change", rule: msa.rule("tls certificate") });
    expect(await servedOverTls(tlsPort)).toBe(second.fingerprint);
    expect(await servedOverStarttls(starttlsPort)).toBe(second.fingerprint);
    expect(since(msa, from, "certificate-reload-failed")).toEqual([]);

    // the session from before the change still talks
    open.write("NOOP\r\n");
    for (let i = 0; i < 200 && !replies.join("").includes("250 "); i++) await new Promise((r) => setTimeout(r, 20));
    expect(replies.join("")).toMatch(/^220 [\s\S]*\r\n250 /);
    open.destroy();
    expect(await metrics.registry.getSingleMetricAsString("msa_certificate_reloads_total")).toMatch(/result="reloaded"} 1$/m);
    const expiry = Math.floor(new Date(new X509Certificate(second.cert).validTo).getTime() / 1000);
    expect(await metrics.registry.getSingleMetricAsString("msa_certificate_expiry_timestamp_seconds")).toContain(`{certificate="${cert}"} ${expiry}`);
  });

  it("is served after a certbot-like renewal: the links in live/ pointed at new files in archive/", async () => {
    const folder = await mkdtemp(join(dir, "certbot-"));
    const [live, archive] = [join(folder, "live", "msa.example.test"), join(folder, "archive", "msa.example.test")];
    await mkdir(live, { recursive: true });
    await mkdir(archive, { recursive: true });
    await writeFile(join(archive, "fullchain1.pem"), first.cert);
    await writeFile(join(archive, "privkey1.pem"), first.key);
    await symlink("../../archive/msa.example.test/fullchain1.pem", join(live, "fullchain.pem"));
    await symlink("../../archive/msa.example.test/privkey1.pem", join(live, "privkey.pem"));
    const { msa, tlsPort } = await serving(join(live, "fullchain.pem"), join(live, "privkey.pem"));
    expect(await servedOverTls(tlsPort)).toBe(first.fingerprint);

    const from = msa.logs.length;
    // what certbot's renewal does: new files in archive/, then each link in live/ unlinked and made again
    await writeFile(join(archive, "fullchain2.pem"), second.cert);
    await writeFile(join(archive, "privkey2.pem"), second.key);
    await unlink(join(live, "fullchain.pem"));
    await symlink("../../archive/msa.example.test/fullchain2.pem", join(live, "fullchain.pem"));
    await unlink(join(live, "privkey.pem"));
    await symlink("../../archive/msa.example.test/privkey2.pem", join(live, "privkey.pem"));
    expect(await nextEvent(msa, from, "certificate-reloaded")).toMatchObject({ fingerprint: second.fingerprint });
    expect(await servedOverTls(tlsPort)).toBe(second.fingerprint);
  });

  it("that cannot be served leaves the old one served and is logged once with the file and the reason", async () => {
    const folder = await mkdtemp(join(dir, "broken-"));
    const [cert, key] = [join(folder, "server.pem"), join(folder, "server.key")];
    await writeFile(cert, first.cert);
    await writeFile(key, first.key);
    const { msa, metrics, tlsPort } = await serving(cert, key);
    const rule = msa.rule("tls certificate");

    const broken: { name: string; apply: () => Promise<void>; file: string; reason: RegExp }[] = [
      { name: "the key of another certificate", apply: () => replaceAtomically(key, second.key), file: key, reason: /key does not match the certificate/ },
      { name: "a certificate half-written", apply: () => replaceAtomically(cert, second.cert.slice(0, 300)), file: cert, reason: /incomplete/ },
      {
        name: "an expired certificate",
        apply: async () => {
          await replaceAtomically(cert, expired.cert);
          await replaceAtomically(key, expired.key);
        },
        file: cert,
        reason: /expired on/,
      },
      { name: "a missing file", apply: () => rm(cert), file: cert, reason: /cannot read the certificate/ },
    ];
    for (const [index, step] of broken.entries()) {
      const from = msa.logs.length;
      await step.apply();
      const failed = await nextEvent(msa, from, "certificate-reload-failed");
      expect(failed, step.name).toMatchObject({ file: step.file, trigger: "file-change", rule });
      expect(failed.reason, step.name).toMatch(step.reason);
      expect(await servedOverTls(tlsPort), step.name).toBe(first.fingerprint);
      expect(await metrics.registry.getSingleMetricAsString("msa_certificate_reloads_total")).toMatch(new RegExp(`result="refused"} ${index + 1}$`, "m"));
    }

    // a sound pair again: served
    const from = msa.logs.length;
    await writeFile(join(folder, "new.key"), second.key);
    await rename(join(folder, "new.key"), key);
    await writeFile(join(folder, "new.pem"), second.cert);
    await rename(join(folder, "new.pem"), cert);
    expect(await nextEvent(msa, from, "certificate-reloaded")).toMatchObject({ fingerprint: second.fingerprint });
    expect(await servedOverTls(tlsPort)).toBe(second.fingerprint);
    // one event per broken version, however many changes the folder saw
    expect(msa.logs.filter((e) => e.event === "certificate-reload-failed").length).toBe(broken.length);
  });

  it("chosen by SNI reloads on its own", async () => {
    const folder = await mkdtemp(join(dir, "sni-"));
    const [sniFirst, sniSecond] = await Promise.all([makePair(["mail.example.org"]), makePair(["mail.example.org"])]);
    await writeFile(join(folder, "default.pem"), first.cert);
    await writeFile(join(folder, "default.key"), first.key);
    await mkdir(join(folder, "org"));
    const [cert, key] = [join(folder, "org", "org.pem"), join(folder, "org", "org.key")];
    await writeFile(cert, sniFirst.cert);
    await writeFile(key, sniFirst.key);
    const { msa, tlsPort, starttlsPort } = await serving(join(folder, "default.pem"), join(folder, "default.key"), [`tls certificate "${cert}" key "${key}"`]);
    expect(await servedOverTls(tlsPort, "mail.example.org")).toBe(sniFirst.fingerprint);

    const from = msa.logs.length;
    await replaceAtomically(key, sniSecond.key);
    await replaceAtomically(cert, sniSecond.cert);
    expect(await nextEvent(msa, from, "certificate-reloaded")).toMatchObject({ certificate: cert, rule: msa.rule(`tls certificate "${cert}"`) });
    expect(await servedOverTls(tlsPort, "mail.example.org")).toBe(sniSecond.fingerprint);
    expect(await servedOverStarttls(starttlsPort, "mail.example.org")).toBe(sniSecond.fingerprint);
    expect(await servedOverTls(tlsPort, "localhost")).toBe(first.fingerprint);
    expect(since(msa, from, "certificate-reloaded").length).toBe(1);
  });
});

describe("msac serve and SIGHUP", () => {
  const MSAC = join(resolve(import.meta.dirname, "../.."), "dist/cli/msac.js");

  it("reads the certificate again on SIGHUP, and keeps the running one when the new files are expired or do not match", async () => {
    const folder = await mkdtemp(join(dir, "sighup-"));
    const [cert, key, file] = [join(folder, "server.pem"), join(folder, "server.key"), join(folder, "policy.msa")];
    await writeFile(cert, first.cert);
    await writeFile(key, first.key);
    const port = await freePort();
    await writeFile(
      file,
      [
        "hostname msa.example.test",
        'tls certificate "server.pem" key "server.key"',
        `listen 127.0.0.1:${port} tls`,
        "allow unauthenticated",
        "log info",
        'deliver spool "spool"',
        "",
      ].join("\n"),
    );
    const msa = startProcess(process.execPath, [MSAC, "serve", file]);
    await msa.waitForLine((l) => l.json?.event === "listening", 20_000);
    expect(await servedOverTls(port)).toBe(first.fingerprint);

    // new files, SIGHUP at once: whichever of the watch and the reload reads them, new handshakes get them
    await replaceAtomically(key, second.key);
    await replaceAtomically(cert, second.cert);
    let from = msa.lines.length;
    process.kill(msa.pid, "SIGHUP");
    await msa.waitForLine((l) => l.json?.event === "reloaded", 10_000, from);
    expect(await servedOverTls(port)).toBe(second.fingerprint);

    // an expired pair, then SIGHUP: the policy reloads, the new server keeps the running certificate and says why
    await replaceAtomically(key, expired.key);
    await replaceAtomically(cert, expired.cert);
    from = msa.lines.length;
    process.kill(msa.pid, "SIGHUP");
    const failed = await msa.waitForLine((l) => l.json?.event === "certificate-reload-failed" && l.json.trigger === "policy-reload", 10_000, from);
    expect(failed.json).toMatchObject({ file: cert, rule: `${file}:2` });
    expect(failed.json!.reason).toMatch(/expired on/);
    await msa.waitForLine((l) => l.json?.event === "reloaded", 10_000, from);
    expect(await servedOverTls(port)).toBe(second.fingerprint);

    // a key that does not match: \`msac check\` refuses the policy (MSA5004), so the reload fails and nothing changes
    await replaceAtomically(key, first.key);
    from = msa.lines.length;
    process.kill(msa.pid, "SIGHUP");
    const refused = await msa.waitForLine((l) => l.json?.event === "reload-failed", 10_000, from);
    expect((refused.json!.errors as string[]).join("\n")).toMatch(/MSA5004/);
    expect(await servedOverTls(port)).toBe(second.fingerprint);
    expect(await msa.stop("SIGTERM")).toBe(0);
  });
});
