// `auth oauth`: bearer tokens over OAUTHBEARER (RFC 7628, python's smtplib) and XOAUTH2
// (nodemailer), checked as JWTs against the keys of an issuer this test plays (a key pair it
// makes, its JWKS in a file or served over HTTP on loopback), or by an RFC 7662 introspection
// endpoint. Expired tokens, another audience, another key and a login the token is not for are
// refused with 535; an issuer that does not answer gives 454 4.7.0 and the server keeps serving.
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseOauthBearer } from "../../runtime/smtp/oauthBearer.js";
import { type RunningMsa, startMsa } from "../server/harness.js";
import { rawSmtp, runSmtplib } from "../support/smtplib.js";
import { temporaryFolder } from "../support/temporaryFolder.js";

const ISSUER = "https://id.example.test";
type Key = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

let dir: string;
let issuerKey: Key;
let strangerKey: Key;
let jwks: { keys: JWK[] };

async function token(claims: Record<string, unknown>, options: { key?: Key; audience?: string; expiresIn?: string | number } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", kid: "k1" })
    .setIssuer(ISSUER)
    .setAudience(options.audience ?? "msa")
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "10m")
    .sign(options.key ?? issuerKey);
}

const oauthBearer = (login: string, bearer: string) => Buffer.from(`n,a=${login},\x01host=127.0.0.1\x01port=587\x01auth=Bearer ${bearer}\x01\x01`).toString("base64");

/** Logs in over STARTTLS with smtplib's OAUTHBEARER (initial response), then tries MAIL FROM; prints both codes. */
const SMTPLIB_OAUTHBEARER = `
import os, smtplib, ssl
ctx = ssl.create_default_context(cafile=os.environ["CA"])
s = smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), timeout=10, source_address=(os.environ["SOURCE"], 0))
s.starttls(context=ctx)
s.ehlo("client.example")
print("mechanisms", s.esmtp_features.get("auth", ""))
def oauthbearer(challenge=None):
    # RFC 7628 section 3.2.3: the client answers an error challenge with a lone %x01.
    # without a login, no a= (RFC 7628 section 3.1: the token says whose it is)
    gs2 = "n,a=%s," % os.environ["LOGIN"] if os.environ["LOGIN"] else "n,,"
    return "\\x01" if challenge else "%s\\x01auth=Bearer %s\\x01\\x01" % (gs2, os.environ["TOKEN"])
try:
    code, _ = s.auth("OAUTHBEARER", oauthbearer, initial_response_ok=True)
except smtplib.SMTPAuthenticationError as e:
    code = e.smtp_code
print("auth", code)
print("mail", s.mail(os.environ["FROM"])[0])
s.quit()
`;

/** `source`: the loopback address the client connects from, so that a test has several clients. */
async function smtplibLogin(msa: RunningMsa, login: string, bearer: string, from: string, source = "127.0.0.1"): Promise<string> {
  const result = await runSmtplib(SMTPLIB_OAUTHBEARER, { PORT: String(msa.port), CA: msa.pki.caPath, LOGIN: login, TOKEN: bearer, FROM: from, SOURCE: source });
  expect(result.stderr).toBe("");
  return result.stdout;
}

/** An HTTP server on loopback, closed after the file. */
async function httpServer(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
const servers: Server[] = [];
afterAll(() => {
  for (const server of servers) server.close();
});

beforeAll(async () => {
  dir = temporaryFolder("msa-oauth-");
  const pair = await generateKeyPair("ES256");
  issuerKey = pair.privateKey;
  strangerKey = (await generateKeyPair("ES256")).privateKey;
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256", use: "sig" }] };
  await writeFile(join(dir, "jwks.json"), JSON.stringify(jwks));
});

const policyWith = (oauth: string) => [
  "hostname msa.example.test",
  "{TLS}",
  "listen 127.0.0.1:2587 starttls",
  'auth users "users.passwd"',
  oauth,
  "require tls",
  "require auth",
  "qualify domains example.test",
  "senders {",
  "  carol@example.test: carol@example.test",
  "}",
];

describe("auth oauth with the issuer's keys in a file", () => {
  let msa: RunningMsa;
  const fileKeys = () => policyWith(`auth oauth issuer "${ISSUER}" audience "msa" keys "${join(dir, "jwks.json")}" login claim email`);
  beforeAll(async () => {
    msa = await startMsa(fileKeys());
  });

  it("logs in with OAUTHBEARER as the token's login, which then has that login's sender rights", async () => {
    const out = await smtplibLogin(msa, "carol@example.test", await token({ email: "carol@example.test" }), "carol@example.test");
    expect(out).toMatch(/mechanisms\s+PLAIN LOGIN OAUTHBEARER XOAUTH2\n/);
    expect(out).toContain("auth 235");
    expect(out).toContain("mail 250");
    expect(msa.logs).toContainEqual(expect.objectContaining({ event: "auth", login: "carol@example.test", method: "OAUTHBEARER" }));
    // The login is the token's: it may not send as someone else.
    const other = await smtplibLogin(msa, "carol@example.test", await token({ email: "carol@example.test" }), "alice@example.test");
    expect(other).toContain("mail 550");
  });

  it("logs in with XOAUTH2 through nodemailer and submits", async () => {
    const transport = nodemailer.createTransport({
      host: "127.0.0.1",
      port: msa.port,
      secure: false,
      requireTLS: true,
      tls: { ca: msa.pki.caCertPem, servername: "localhost" },
      auth: { type: "OAuth2", user: "carol@example.test", accessToken: await token({ email: "carol@example.test" }) },
    });
    // The next hop is the default local spool: the submission is accepted with 250.
    const info = await transport.sendMail({ from: "carol@example.test", to: "dave@example.org", subject: "hi", text: "hello" });
    expect(info.accepted).toEqual(["dave@example.org"]);
    expect(msa.logs).toContainEqual(expect.objectContaining({ event: "auth", login: "carol@example.test", method: "XOAUTH2" }));
  });

  it("refuses an expired token, another audience, another signer and a login the token is not for with 535", async () => {
    const cases = [
      ["expired", "carol@example.test", await token({ email: "carol@example.test" }, { expiresIn: Math.floor(Date.now() / 1000) - 120 })],
      ["audience", "carol@example.test", await token({ email: "carol@example.test" }, { audience: "webmail" })],
      ["key", "carol@example.test", await token({ email: "carol@example.test" }, { key: strangerKey })],
      ["login", "alice@example.test", await token({ email: "carol@example.test" })],
      ["claim", "carol@example.test", await token({ sub: "carol" })],
    ] as const;
    for (const [, login, bearer] of cases) {
      const out = await smtplibLogin(msa, login, bearer, "carol@example.test");
      expect(out).toContain("auth 535");
      expect(out).toContain("mail 530");
    }
    const reasons = msa.logs.filter((l) => l.event === "auth-failed" && l.method === "OAUTHBEARER").map((l) => String(l.reason));
    expect(reasons.join("\n")).toMatch(
      /ERR_JWT_EXPIRED[\s\S]*ERR_JWT_CLAIM_VALIDATION_FAILED[\s\S]*ERR_JWS_SIGNATURE_VERIFICATION_FAILED[\s\S]*the token is for carol@example.test, the client asked for alice@example.test[\s\S]*no `email` claim/,
    );
  });

  it("counts failed tokens without `a=` against the client's address, so one client's failures never block another's", async () => {
    const throttled = await startMsa([...fileKeys(), "throttle auth failures 2 per 1h per login block 1h"], { stopAfter: "test", failedAuthDelayMs: 1 });
    const expired = await token({ email: "carol@example.test" }, { expiresIn: Math.floor(Date.now() / 1000) - 120 });
    // another client fails twice: were every bearer failure one login "", that login would now be guessed at
    for (let i = 0; i < 2; i++) expect(await smtplibLogin(throttled, "", expired, "carol@example.test", "127.0.0.2")).toContain("auth 535");
    // this client's own expired token, then its fresh one, which logs in
    expect(await smtplibLogin(throttled, "", expired, "carol@example.test")).toContain("auth 535");
    expect(await smtplibLogin(throttled, "", await token({ email: "carol@example.test" }), "carol@example.test")).toContain("auth 235");
  });

  it("sends the error as a challenge before 535 (RFC 7628 section 3.2.2), and answers malformed messages with 501", async () => {
    // A server of its own: the failed logins above have this client blocked by now (throttle auth).
    const fresh = await startMsa(fileKeys(), { stopAfter: "test" });
    const replies = await rawSmtp(
      fresh.port,
      [
        "EHLO client.example",
        "STARTTLS",
        "EHLO client.example",
        `AUTH OAUTHBEARER ${oauthBearer("carol@example.test", "not.a.jwt")}`,
        "AQ==",
        `AUTH OAUTHBEARER ${Buffer.from("hello").toString("base64")}`,
        "AUTH OAUTHBEARER",
        "*",
      ],
      { ca: fresh.pki.caCertPem },
    );
    const [challenge, failed, malformed, empty, aborted] = replies.slice(-5);
    expect(challenge).toMatch(/^334 /);
    expect(JSON.parse(Buffer.from(challenge!.slice(4), "base64").toString())).toEqual({ status: "invalid_token", schemes: "bearer" });
    expect(failed).toMatch(/^535 5\.7\.8 /);
    expect(malformed).toMatch(/^501 5\.5\.2 /);
    expect(empty).toBe("334 ");
    expect(aborted).toMatch(/^501 /);
  });
});

describe("auth oauth with the keys at a URL", () => {
  it("answers 454 4.7.0 while the issuer's keys cannot be fetched, and logs in once they can", async () => {
    const serveKeys: Parameters<typeof createServer>[1] = (_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(jwks));
    };
    // The issuer's address, with nobody listening there yet.
    const { url, server } = await httpServer(serveKeys);
    const port = (server.address() as AddressInfo).port;
    server.close();
    await once(server, "close");
    const msa = await startMsa(policyWith(`auth oauth issuer "${ISSUER}" audience "msa" keys "${url}/jwks"`));
    const bearer = await token({ sub: "carol@example.test" });
    expect(await smtplibLogin(msa, "", bearer, "carol@example.test")).toContain("auth 454");
    expect(msa.logs).toContainEqual(expect.objectContaining({ event: "auth-unavailable", method: "OAUTHBEARER", reason: expect.stringMatching(/^issuer keys: /) }));
    // Password logins are unaffected meanwhile.
    const [, , , , plain] = await rawSmtp(msa.port, ["EHLO c", "STARTTLS", "EHLO c", `AUTH PLAIN ${Buffer.from("\0alice\0alice-pw").toString("base64")}`], {
      ca: msa.pki.caCertPem,
    });
    expect(plain).toMatch(/^235 /);
    const back = createServer(serveKeys).listen(port, "127.0.0.1");
    servers.push(back);
    await once(back, "listening");
    expect(await smtplibLogin(msa, "", bearer, "carol@example.test")).toContain("auth 235");
  });
});

describe("auth oauth by introspection (RFC 7662)", () => {
  it("asks the endpoint with the client's credentials and takes the login from its answer, for msa's audience only", async () => {
    const seen: { authorization?: string; body: string }[] = [];
    const { url } = await httpServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        seen.push({ ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}), body });
        if (req.headers.authorization !== `Basic ${Buffer.from("msa:s3cret").toString("base64")}`) {
          res.statusCode = 401;
          return res.end();
        }
        const token = new URLSearchParams(body).get("token");
        res.setHeader("content-type", "application/json");
        const answers: Record<string, object> = {
          "good-token": { active: true, username: "carol@example.test", aud: ["msa", "webmail"] },
          "client-token": { active: true, username: "carol@example.test", client_id: "msa" },
          "other-app-token": { active: true, username: "carol@example.test", aud: "calendar", client_id: "calendar" },
        };
        res.end(JSON.stringify(answers[token ?? ""] ?? { active: false }));
      });
    });
    await writeFile(join(dir, "client.secret"), "msa:s3cret\n");
    await writeFile(join(dir, "wrong.secret"), "msa:wrong\n");
    const msa = await startMsa(policyWith(`auth oauth introspect "${url}/introspect" audience "msa" client "${join(dir, "client.secret")}" login claim username`));
    expect(await smtplibLogin(msa, "carol@example.test", "good-token", "carol@example.test")).toContain("auth 235");
    expect(await smtplibLogin(msa, "carol@example.test", "client-token", "carol@example.test")).toContain("auth 235");
    // The issuer vouches for tokens it gave other applications too: those are not logins here.
    expect(await smtplibLogin(msa, "carol@example.test", "other-app-token", "carol@example.test")).toContain("auth 535");
    expect(msa.logs).toContainEqual(expect.objectContaining({ reason: "the token is not for audience msa" }));
    expect(new URLSearchParams(seen[0]!.body).get("token_type_hint")).toBe("access_token");
    expect(await smtplibLogin(msa, "carol@example.test", "revoked-token", "carol@example.test")).toContain("auth 535");
    // Credentials the endpoint refuses are the site's fault, not the user's: 454, and logged.
    const misconfigured = await startMsa(policyWith(`auth oauth introspect "${url}/introspect" audience "msa" client "${join(dir, "wrong.secret")}" login claim username`));
    expect(await smtplibLogin(misconfigured, "carol@example.test", "good-token", "carol@example.test")).toContain("auth 454");
    expect(misconfigured.logs).toContainEqual(expect.objectContaining({ event: "auth-unavailable", reason: "introspection answered HTTP 401" }));
  });
});

describe("parseOauthBearer", () => {
  it("reads the login and the token, and refuses what is not RFC 7628's form", () => {
    expect(parseOauthBearer("n,a=user=2Cname@example.com,\x01host=h\x01auth=Bearer abc.def-_~+/=\x01\x01")).toEqual({ authzid: "user,name@example.com", token: "abc.def-_~+/=" });
    expect(parseOauthBearer("n,,\x01auth=Bearer t\x01\x01")).toEqual({ authzid: "", token: "t" });
    for (const bad of [
      "n,a=x,\x01auth=Bearer t\x01",
      "p=tls-unique,,\x01auth=Bearer t\x01\x01",
      "n,,\x01host=h\x01\x01",
      "n,a=x\r\ny,\x01auth=Bearer t\x01\x01",
      "n,,\x01auth=Basic dA==\x01\x01",
    ]) {
      expect(parseOauthBearer(bad)).toBeNull();
    }
  });
});
