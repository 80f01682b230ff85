// A real SMTP server (smtp-server) standing in for the MTA that msa relays to, recording
// what it receives and answering however a test needs: accept, refuse, defer or drop.
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from "smtp-server";
import { makeTestPki } from "./certificates.js";

/**
 * How the next hop answers each transaction; changeable while it runs.
 * Replies carry the enhanced code in their text (ENHANCEDSTATUSCODES itself is not advertised,
 * because smtp-server would then prefix a second, generic code of its own).
 */
export type NextHopMode =
  | "accept" // 250 to everything
  | "refuse-mail" // 550 5.7.1 to MAIL FROM
  | "refuse-data" // 550 5.7.1 after the message data
  | "defer-mail" // 451 4.3.0 to MAIL FROM
  | "defer-data" // 451 4.3.0 after the message data
  | "drop-connect" // close the connection before the greeting
  | "drop-mail" // close the connection instead of answering MAIL FROM
  | "drop-data"; // read the whole message, then close the connection instead of answering

export interface NextHopOptions {
  mode?: NextHopMode;
  /** Recipients refused with 550 5.1.1 at RCPT TO (compared without regard to case), in every mode. */
  refuseRecipients?: string[];
  /** Recipients deferred with 452 4.2.2 at RCPT TO (compared without regard to case), in every mode. */
  deferRecipients?: string[];
  /** Offer STARTTLS with the test PKI (true) or with the given key and certificate. Off by default. */
  starttls?: boolean | { key: string | Buffer; cert: string | Buffer };
  /** SIZE to advertise and enforce (552 over it). */
  size?: number;
  /** EHLO keywords to advertise; each defaults to true. */
  advertise?: { pipelining?: boolean; eightBitMime?: boolean; smtpUtf8?: boolean; dsn?: boolean };
  /** Name in the greeting and EHLO reply. */
  name?: string;
}

export type SmtpParams = Record<string, string | true>;

export interface NextHopMessage {
  /** '' for the null sender `MAIL FROM:<>`. */
  mailFrom: string;
  rcptTo: string[];
  /** The message as received after DATA: dot-unstuffed, line ends as sent, without the final `.` line. */
  raw: Buffer;
  /** Parameters of MAIL FROM (upper-case keys, e.g. SIZE, BODY, SMTPUTF8, RET, ENVID); `true` for a keyword without value. */
  mailParams: SmtpParams;
  /** Parameters of each RCPT TO, in the order of rcptTo (e.g. NOTIFY, ORCPT). */
  rcptParams: SmtpParams[];
  heloName: string;
  /** Whether the session was under TLS (after STARTTLS). */
  secure: boolean;
  receivedAt: Date;
}

export interface NextHop {
  readonly host: string;
  readonly port: number;
  /** `smtp://127.0.0.1:PORT`, as a `deliver relay` rule writes it. */
  readonly url: string;
  /** Messages answered with 250, in order. */
  readonly messages: NextHopMessage[];
  /** Every MAIL FROM received, whatever the answer: counts retries. */
  readonly mailAttempts: number;
  /** Connections accepted so far. */
  readonly connections: number;
  mode: NextHopMode;
  refuseRecipients: string[];
  deferRecipients: string[];
  /** Holds every MAIL FROM unanswered (a next hop slow to take mail) until the returned function is called. */
  hold(): () => void;
  waitForMessages(count: number, timeoutMs?: number): Promise<NextHopMessage[]>;
  /** Resolves once `condition(messages)` holds, checked as each message arrives; rejects after `timeoutMs`. */
  waitUntil(condition: (messages: NextHopMessage[]) => boolean, timeoutMs?: number): Promise<NextHopMessage[]>;
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";

class SmtpReplyError extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startNextHop(options: NextHopOptions = {}): Promise<NextHop> {
  const advertise = { pipelining: true, eightBitMime: true, smtpUtf8: true, dsn: true, ...options.advertise };
  let tlsOptions: { key: string | Buffer; cert: string | Buffer } | undefined;
  if (options.starttls === true) {
    const pki = await makeTestPki();
    tlsOptions = { key: pki.keyPem, cert: pki.certPem };
  } else if (options.starttls) {
    tlsOptions = options.starttls;
  }

  const messages: NextHopMessage[] = [];
  const waiters = new Set<() => void>();
  let mailAttempts = 0;
  let connections = 0;
  let held: Promise<void> | undefined;
  const state = { mode: options.mode ?? "accept", refuseRecipients: options.refuseRecipients ?? [], deferRecipients: options.deferRecipients ?? [] };

  // Abrupt close without a reply: the case a relay client must not mistake for success.
  const drop = (session: SMTPServerSession): void => {
    for (const connection of server.connections) {
      if (connection.session === session) connection._socket.destroy();
    }
  };
  const params = (address: SMTPServerAddress): SmtpParams => ({ ...(address.args || {}) });
  // Every RCPT answered 250 in the session's transaction, as sent: smtp-server's own envelope
  // keeps one entry for addresses that differ only in letter case.
  const recipientsBySession = new Map<string, SMTPServerAddress[]>();

  const server: SMTPServer = new SMTPServer({
    name: options.name ?? "next-hop.test",
    banner: "next hop for msa tests",
    secure: false,
    ...(tlsOptions ?? {}),
    disabledCommands: tlsOptions ? ["AUTH"] : ["AUTH", "STARTTLS"],
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    // A relay may send many commands on one connection; smtp-server would cut it off after 10.
    maxAllowedUnauthenticatedCommands: false,
    closeTimeout: 500,
    ...(options.size !== undefined ? { size: options.size, rejectOversized: true } : {}),
    hidePIPELINING: !advertise.pipelining,
    hide8BITMIME: !advertise.eightBitMime,
    hideSMTPUTF8: !advertise.smtpUtf8,
    hideDSN: !advertise.dsn,
    hideENHANCEDSTATUSCODES: true,

    onClose(session) {
      recipientsBySession.delete(session.id);
    },
    onConnect(session, callback) {
      connections += 1;
      if (state.mode === "drop-connect") return drop(session);
      callback();
    },
    onMailFrom(address, session, callback) {
      if (held) return void held.then(() => server.onMailFrom(address, session, callback));
      mailAttempts += 1;
      recipientsBySession.set(session.id, []);
      switch (state.mode) {
        case "refuse-mail":
          return callback(new SmtpReplyError(550, "5.7.1 sender refused by the next hop"));
        case "defer-mail":
          return callback(new SmtpReplyError(451, "4.3.0 next hop cannot take mail now, try again later"));
        case "drop-mail":
          return drop(session);
        default:
          return callback();
      }
    },
    onRcptTo(address, session, callback) {
      const refused = state.refuseRecipients.some((rcpt) => rcpt.toLowerCase() === address.address.toLowerCase());
      if (refused) return callback(new SmtpReplyError(550, `5.1.1 <${address.address}>: no such user here`));
      const deferred = state.deferRecipients.some((rcpt) => rcpt.toLowerCase() === address.address.toLowerCase());
      if (deferred) return callback(new SmtpReplyError(452, `4.2.2 <${address.address}>: mailbox full, try again later`));
      recipientsBySession.get(session.id)?.push(address);
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (stream.sizeExceeded) return callback(new SmtpReplyError(552, "5.3.4 message exceeds fixed maximum message size"));
        switch (state.mode) {
          case "refuse-data":
            return callback(new SmtpReplyError(550, "5.7.1 message refused by the next hop"));
          case "defer-data":
            return callback(new SmtpReplyError(451, "4.3.0 next hop cannot store the message now, try again later"));
          case "drop-data":
            return drop(session);
        }
        const { mailFrom } = session.envelope;
        const rcptTo = recipientsBySession.get(session.id) ?? session.envelope.rcptTo;
        messages.push({
          mailFrom: mailFrom ? mailFrom.address : "",
          rcptTo: rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks),
          mailParams: mailFrom ? params(mailFrom) : {},
          rcptParams: rcptTo.map(params),
          heloName: session.hostNameAppearsAs,
          secure: session.secure,
          receivedAt: new Date(),
        });
        for (const wake of waiters) wake();
        callback(null, "2.0.0 queued by the next hop");
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
  // Client errors (a dropped or reset connection) are expected in these tests.
  server.on("error", () => {});
  const address = server.server.address();
  if (address === null || typeof address === "string") throw new Error("the next hop has no TCP address");
  const port = address.port;

  function waitUntil(condition: (received: NextHopMessage[]) => boolean, timeoutMs = 5000): Promise<NextHopMessage[]> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (!condition(messages)) return false;
        clearTimeout(timer);
        waiters.delete(wake);
        resolve(messages.slice());
        return true;
      };
      const wake = (): void => void check();
      const timer = setTimeout(() => {
        waiters.delete(wake);
        reject(new Error(`the next hop's ${messages.length} messages did not meet the condition within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!check()) waiters.add(wake);
    });
  }

  return {
    host: HOST,
    port,
    url: `smtp://${HOST}:${port}`,
    messages,
    get mailAttempts() {
      return mailAttempts;
    },
    get connections() {
      return connections;
    },
    get mode() {
      return state.mode;
    },
    set mode(mode: NextHopMode) {
      state.mode = mode;
    },
    get refuseRecipients() {
      return state.refuseRecipients;
    },
    set refuseRecipients(recipients: string[]) {
      state.refuseRecipients = recipients;
    },
    get deferRecipients() {
      return state.deferRecipients;
    },
    set deferRecipients(recipients: string[]) {
      state.deferRecipients = recipients;
    },
    hold() {
      let release!: () => void;
      held = new Promise<void>((resolve) => (release = resolve)).then(() => {
        held = undefined;
      });
      return release;
    },
    waitForMessages(count, timeoutMs = 5000) {
      return waitUntil((received) => received.length >= count, timeoutMs).catch(() => {
        throw new Error(`the next hop received ${messages.length} of ${count} messages within ${timeoutMs} ms`);
      });
    },
    waitUntil,
    stop() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
