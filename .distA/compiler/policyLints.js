// Lints across rules: what the policy as a whole would do, said back in the
// admin's words (a listener nobody can use, a `require tls` no listener can
// satisfy, limits that together refuse every recipient). They run only on a
// policy that parsed completely, and never call a rule missing that was written
// with a mistake: one mistake, one diagnostic.
import { isIP } from "node:net";
import { listenerKey } from "../graph/graph.js";
import { replaceFix } from "./fixes.js";
/** The submission ports and the TLS mode each is for (RFC 6409 section 3.1, RFC 8314 section 3.3). */
const SUBMISSION_PORT_MODES = new Map([
    [587, "starttls"],
    [465, "tls"],
]);
/** Whether a listener's host is a loopback address: 127.0.0.0/8, ::1 or `localhost` (RFC 6890). */
/** The listeners whose `on` blocks hold a rule `has` finds. */
function scopedOn(policy, has) {
    return new Set(policy.scoped.filter((rule) => rule.listeners && has(rule.policy)).flatMap((rule) => rule.listeners));
}
export function isLoopbackHost(host) {
    if (host === null)
        return false;
    if (host === "localhost" || host === "::1")
        return true;
    return isIP(host) === 4 && host.startsWith("127.");
}
export class PolicyLints {
    context;
    written;
    failed;
    /**
     * `written`: the kinds of rule the policy wrote; `failed`: those of which a rule had an error
     * (a lint about what is missing must not fire because a written rule was wrong).
     */
    constructor(context, written, failed) {
        this.context = context;
        this.written = written;
        this.failed = failed;
    }
    /** Lints across rules: what the policy as a whole would do. */
    lint() {
        const p = this.context.policy;
        if (p.workers && p.workers.value !== 1 && p.rates.length > 0 && p.limitsStore?.value.kind !== "redis") {
            this.context.report("perWorkerLimits", p.workers.rule, "rate limits are counted separately by each worker", {
                hint: "add `limits store redis://HOST:PORT` to share the counters",
            });
        }
        // `deliver from` replaces the main rule's next hop for some senders: a policy that only spools has none.
        if (!this.failed.has("deliver") && !p.deliver?.value.relay) {
            for (const hop of p.senderRelays ?? []) {
                this.context.report("senderRelayWithoutRelay", hop.rule, `\`deliver from\` needs a \`deliver\` rule that relays, but the policy ${p.deliver ? "only spools" : "has none (mail is spooled)"}`, {
                    hint: 'write `deliver relay URL` or `deliver spool "DIR" relay URL`',
                    ...(p.deliver ? { related: this.context.related(p.deliver.rule, "the `deliver` rule is here") } : {}),
                });
            }
        }
        const start = { start: 0, end: 0 };
        const tlsListeners = p.listeners.filter((l) => l.mode !== "plain");
        // With a `listen` rule in error the set of listeners is not known: lints about all of them wait.
        const listenersKnown = !this.failed.has("listen");
        const defaultListeners = !this.written.has("listen");
        if (!this.written.has("hostname")) {
            this.context.report("missingHostname", start, "the policy has no `hostname`; the server will use the machine's host name", { hint: "add `hostname msa.example.com`" });
        }
        if (defaultListeners && !p.tls) {
            this.context.report("tlsWithoutCertificate", start, "the policy has no `listen` rule, and the default listeners (587 starttls, 465 tls) need a certificate", {
                hint: 'add `listen 127.0.0.1:2525 plain` for a test, or `tls certificate "FILE" key "FILE"`',
            });
        }
        for (const listener of tlsListeners) {
            if (!p.tls) {
                this.context.report("tlsWithoutCertificate", listener.rule, `a \`${listener.mode}\` listener needs a certificate`, { hint: 'add `tls certificate "FILE" key "FILE"`' });
            }
        }
        const onlyPlain = listenersKnown && p.listeners.length > 0 && tlsListeners.length === 0;
        if (p.tls && onlyPlain) {
            this.context.report("unusedCertificate", p.tls.rule, "the certificate is never used: every listener is `plain`");
        }
        const receivedTls = p.receivedDetails?.get("tls");
        if (receivedTls && onlyPlain) {
            this.context.report("receivedTlsWithoutTls", receivedTls, "`with tls` never applies: every listener is `plain`, so no session has TLS");
        }
        const receivedLogin = p.receivedDetails?.get("login");
        if (receivedLogin && !p.logins && !p.oauth) {
            this.context.report("receivedLoginWithoutAuth", receivedLogin, "`with login` never applies: without an `auth` rule no session is authenticated");
        }
        if (p.requireTls && onlyPlain) {
            this.context.report("requireTlsWithoutTls", p.requireTls.rule, "`require tls` but no listener offers TLS, so no mail can ever be taken", {
                hint: "add `listen 587 starttls` or remove `require tls`",
            });
        }
        // `on 587 { require auth }` covers that listener as `require auth` covers them all.
        const authOn = scopedOn(p, (rules) => rules.requireAuth && !rules.requireAuth.observe);
        const unauthenticated = (listeners) => listeners.filter((l) => !authOn.has(listenerKey(l)));
        const defaultsCovered = ["587", "465"].every((key) => authOn.has(key));
        const submissionListeners = defaultListeners ? (defaultsCovered ? [] : [{ rule: start }]) : unauthenticated(tlsListeners);
        if (!p.requireAuth) {
            if (p.allowUnauthenticated) {
                this.lintProxiedUnauthenticated(p.listeners, p.allowUnauthenticated);
                const exposed = p.listeners.filter((l) => !isLoopbackHost(l.host));
                for (const listener of defaultListeners ? [{ rule: start }] : exposed) {
                    this.context.report("unauthenticatedNotLoopback", listener.rule, "`allow unauthenticated` would make this listener an open relay: it is not on a loopback address", {
                        hint: "bind it to `127.0.0.1:PORT`, or use `require auth`",
                        related: this.context.related(p.allowUnauthenticated, "`allow unauthenticated` is here"),
                    });
                }
            }
            else if (submissionListeners.length > 0) {
                for (const listener of submissionListeners) {
                    this.context.report("submissionWithoutAuth", listener.rule, "a submission listener without `require auth` lets anyone send mail through it", {
                        hint: "add `require auth` (RFC 6409 section 4.3)",
                    });
                }
            }
            else if (listenersKnown) {
                for (const listener of unauthenticated(p.listeners)) {
                    this.context.report("plainWithoutAuth", listener.rule, "this listener takes mail without authentication", {
                        hint: "add `require auth`, or `allow unauthenticated` to say it is meant",
                    });
                }
            }
        }
        // `on LISTENER { allow unauthenticated }` opens its listeners as the rule for everyone opens them all.
        for (const scoped of p.scoped) {
            if (scoped.lifts !== "RequireAuth" || !scoped.listeners)
                continue;
            const blockListeners = p.listeners.filter((l) => scoped.listeners.includes(listenerKey(l)));
            this.lintProxiedUnauthenticated(blockListeners, scoped.rule);
            const exposed = defaultListeners ? [{ rule: scoped.rule }] : blockListeners.filter((l) => !isLoopbackHost(l.host));
            for (const listener of exposed) {
                this.context.report("unauthenticatedNotLoopback", listener.rule, "`allow unauthenticated` would make this listener an open relay: it is not on a loopback address", {
                    hint: "bind it to `127.0.0.1:PORT`, or leave `allow unauthenticated` out of its block",
                    related: this.context.related(scoped.rule, "`allow unauthenticated` is here"),
                });
            }
        }
        if (p.requireAuth && p.allowUnauthenticated) {
            this.context.report("conflictingRules", p.allowUnauthenticated, "`allow unauthenticated` contradicts `require auth`", {
                hint: "keep `require auth`; `allow unauthenticated` is only for loopback tests",
                related: this.context.related(p.requireAuth.rule, "`require auth` is here"),
            });
        }
        this.lintTransport(defaultListeners, listenersKnown);
        this.lintRecipientLimits();
        if (p.requireAuth && !p.logins) {
            this.context.report("requireAuthWithoutUsers", p.requireAuth.rule, "`require auth` but no `auth` rule: nobody could ever log in", { hint: 'add `auth users "FILE"`' });
        }
        if (p.allowPostmaster && !p.requireAuth) {
            this.context.report("postmasterWithoutAuth", p.allowPostmaster, "`allow postmaster` has no effect without `require auth`");
        }
        if (!p.logins) {
            if (p.senders)
                this.context.report("rightsWithoutAuth", p.senders.rule, "`senders` never applies: without an `auth` rule no session is authenticated");
            for (const field of ["From", "Sender"]) {
                const added = p.add.get(field);
                if (added)
                    this.context.report("rightsWithoutAuth", added, `\`add ${field}\` never applies: without an \`auth\` rule no session is authenticated`);
            }
        }
        // Milters are asked along an SMTP session (connect, HELO, MAIL, RCPT); a local submission has none.
        const firstMilter = p.milters?.[0];
        if (p.localSubmission && firstMilter) {
            this.context.report("milterNotForLocal", firstMilter.rule, "milters are not asked about local submissions: mail from `msac sendmail` goes out without them", {
                hint: "keep local programs on Postfix's sendmail (its non_smtpd_milters filter them), or remove `listen local`",
                related: this.context.related(p.localSubmission.rule, "`listen local` is here"),
            });
        }
        if (p.localSubmission && !this.written.has("qualify")) {
            this.context.report("localWithoutQualify", p.localSubmission.rule, "local users' logins have no domain without `qualify domains`, so their mail without `-f` is refused as unqualified", {
                hint: "add `qualify domains example.com`",
            });
        }
        if (p.senders && !this.written.has("qualify")) {
            // Only logins without `@` need a domain to have an address of their own (contract section 3).
            const bare = p.senders.logins.find((login) => !login.value.includes("@"));
            if (bare) {
                this.context.report("ownAddressUnqualified", bare.span, `login \`${bare.value}\` has no address of its own without \`qualify domains\``, {
                    hint: "add `qualify domains example.com`, or use logins of the form `user@example.com`",
                });
            }
        }
    }
    /** A loopback listener behind a load balancer takes other hosts' clients: `allow unauthenticated` there is worth a warning. */
    lintProxiedUnauthenticated(listeners, allow) {
        for (const listener of listeners.filter((l) => l.proxy && isLoopbackHost(l.host))) {
            this.context.report("unauthenticatedBehindProxy", listener.rule, "`allow unauthenticated` on a listener behind a load balancer takes mail from every client it forwards", {
                hint: "use `require auth`, or make sure the load balancer admits trusted clients only",
                related: this.context.related(allow, "`allow unauthenticated` is here"),
            });
        }
    }
    /** Listeners on the wrong port for their mode, and what lets a password cross the network before TLS. */
    lintTransport(defaultListeners, listenersKnown) {
        const p = this.context.policy;
        for (const listener of p.listeners) {
            const expected = SUBMISSION_PORT_MODES.get(listener.port);
            if (expected && listener.mode !== "plain" && listener.mode !== expected) {
                this.context.report("swappedListenMode", listener.rule, `port ${listener.port} is for \`${expected}\`, not \`${listener.mode}\`: clients configured for it will fail to connect`, {
                    hint: `write \`listen ${listener.port} ${expected}\` (RFC ${listener.port === 587 ? "6409 section 3.1" : "8314 section 3.3"})`,
                    ...swappedModeFix(this.context.source, listener.rule, `listen ${listener.port} ${expected}`),
                });
            }
            if (listener.port === 25) {
                this.context.report("port25Listener", listener.rule, "port 25 is for relay between mail servers, not for submission", {
                    hint: "listen on 587 (`starttls`) or 465 (`tls`) and leave port 25 to the MTA",
                });
            }
        }
        // `on 587 { require tls }` covers that listener as `require tls` covers them all.
        const tlsRequiredOn = scopedOn(p, (rules) => rules.requireTls && !rules.requireTls.observe);
        const starttls = defaultListeners
            ? tlsRequiredOn.has("587")
                ? undefined
                : { rule: { start: 0, end: 0 } }
            : p.listeners.find((l) => l.mode === "starttls" && !tlsRequiredOn.has(listenerKey(l)));
        if (p.requireAuth && !p.requireTls && starttls && listenersKnown) {
            this.context.report("authBeforeTls", starttls.rule, "this listener offers AUTH before STARTTLS, so passwords may be sent in clear text", {
                hint: "add `require tls`",
                related: this.context.related(p.requireAuth.rule, "`require auth` is here"),
            });
        }
        if (p.requireTls?.observe) {
            this.context.report("observedRequireTls", p.requireTls.rule, "an observed `require tls` takes AUTH before STARTTLS, so passwords may be sent in clear text", {
                hint: "remove `observe` once the clients that need TLS are found",
            });
        }
    }
    /** `limit recipients` rules that together leave no recipient for the sessions they share (every rule that applies must hold). */
    lintRecipientLimits() {
        // An observed limit refuses nothing, so it cannot take part.
        const limits = this.context.policy.recipientsTo.filter((limit) => !limit.observe).map((limit) => ({ ...limit, set: new Set(limit.value.targets) }));
        const overlap = (a, b) => a === null || b === null || a.some((login) => b.includes(login));
        // Whether `list` names `target`: the target itself, or for an address its whole domain.
        const names = (list, target) => list.has(target) || list.has(target.slice(target.lastIndexOf("@")));
        for (const [index, later] of limits.entries()) {
            for (const earlier of limits.slice(0, index)) {
                if (!overlap(earlier.value.logins, later.value.logins))
                    continue;
                const [to, other] = later.value.except ? [earlier, later] : [later, earlier];
                if (to.value.except)
                    continue;
                const noneLeft = other.value.except
                    ? to.value.targets.every((target) => names(other.set, target))
                    : !to.value.targets.some((target) => names(other.set, target)) && !other.value.targets.some((target) => names(to.set, target));
                if (noneLeft) {
                    this.context.report("recipientsAllRefused", later.rule, "this limit and an earlier one together refuse every recipient", {
                        hint: other.value.except
                            ? "every address this `to` list allows, the `except` list refuses"
                            : "the two `to` lists have no recipient in common; merge them into the one you mean",
                        related: this.context.related(earlier.rule, "the other limit is here"),
                    });
                    break;
                }
            }
        }
    }
}
/** The fix for `listen 587 tls`: the rule the hint names, when the rule says nothing but port and mode. */
function swappedModeFix(source, rule, replacement) {
    const written = source.slice(rule.start, rule.end);
    return /^listen[ \t]+\d+[ \t]+(tls|starttls)$/.test(written) ? { fix: replaceFix(rule, written, replacement) } : {};
}
//# sourceMappingURL=policyLints.js.map