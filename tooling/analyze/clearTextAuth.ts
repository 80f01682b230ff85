// Property (c): AUTH never happens in clear text (RFC 8314 section 3, RFC 3207 section 4): on a
// plain listener, or on a starttls one before STARTTLS, the decision core must refuse AUTH. A
// password sent before TLS can be read on the way, so a refutation is an error.
import type { GraphContext } from "./sessionSpace.js";
import type { SessionRun } from "./sessionRuns.js";
import { FindingGroups, location, type PropertyCheck, statusOf, stepIn } from "./property.js";

export function clearTextAuthCheck(context: GraphContext): PropertyCheck {
  const { graph } = context;
  const groups = new FindingGroups(graph);
  return {
    observe(run: SessionRun) {
      if (!run.login || !run.loginExists || run.listener.tls) return;
      const auth = run.decisions[0];
      if (!auth || auth.verdict.kind !== "accept") return;
      const observed = stepIn(run, ["RequireTls"], ["observe"]);
      const listener = graph.listeners.find((l) => l.host === run.listener.host && l.port === run.listener.port)!;
      const key = `${run.listener.endpoint}`;
      groups.add(
        key,
        () =>
          observed
            ? { rule: location(observed.origin), explanation: `\`observe require tls\` only logs: AUTH is accepted before TLS on ${run.listener.label}` }
            : {
                rule: listener.origin.line > 0 ? location(listener.origin) : null,
                missing: "require tls",
                explanation: `AUTH is accepted before TLS on ${run.listener.label} (${listener.mode}): passwords cross the network in clear text`,
              },
        run,
      );
    },
    result(count) {
      const findings = groups.findings();
      return {
        id: "c",
        claim: "AUTH never happens in clear text",
        refutation: "AUTH can happen in clear text",
        severity: "error",
        status: statusOf(findings, count),
        findings,
      };
    },
  };
}
