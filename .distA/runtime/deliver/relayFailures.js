// The ways a relay attempt fails, as errors: what nodemailer's errors carry (SmtpClientError),
// and ours for what nodemailer does not report itself. relayOutcome.ts turns each into an outcome.
/** The next hop closed the connection while we waited for something. */
export class RelayConnectionEnded extends Error {
    name = "RelayConnectionEnded";
    constructor() {
        super("connection closed");
    }
}
/** The whole attempt outlasted RelayOptions.totalTimeoutMs. */
export class RelayDeadlineExceeded extends Error {
    name = "RelayDeadlineExceeded";
    constructor() {
        super("relay took too long");
    }
}
/** TLS was required and is not active (a guard: nodemailer's requireTLS refuses first). */
export class RelayTlsMissing extends Error {
    name = "RelayTlsMissing";
    constructor() {
        super("TLS is required but not active");
    }
}
/** A recipient was deferred (4xx to RCPT): the message is held back before the final dot. */
export class RelayRecipientDeferred extends Error {
    rejectedErrors;
    name = "RelayRecipientDeferred";
    constructor(rejectedErrors) {
        super("a recipient was deferred");
        this.rejectedErrors = rejectedErrors;
    }
}
//# sourceMappingURL=relayFailures.js.map