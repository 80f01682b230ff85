// `tls certificate "CERT" key "KEY"` and `tls ciphers "LIST"`: the server's
// certificate for STARTTLS (RFC 3207) and implicit TLS (RFC 8314), and the
// OpenSSL cipher list for TLS 1.2.
import { createSecureContext } from "node:tls";
import type { Located, RuleBase } from "../../grammar/ast.js";
import { string } from "../../grammar/cstReader.js";
import { keywords } from "../../grammar/lexer.js";
import { type Lowering, type Printing, quote, type RuleModule } from "./ruleModule.js";
import type { RuleGraph } from "../../graph/graph.js";
import { resolvePolicyPath } from "../checkFiles.js";
import type { CheckedPolicy } from "../checkedPolicy.js";

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    tls?: From<{ certificate: Located; key: Located }>;
    tlsCiphers?: From<string>;
  }
}

/** The words this rule is written with. */
const K = keywords("tls", "certificate", "ciphers", "key");

export interface TlsRule extends RuleBase {
  kind: "tls";
  certificate: Located;
  key: Located;
}
export interface TlsCiphersRule extends RuleBase {
  kind: "tlsCiphers";
  ciphers: Located;
}

export const tlsRule: RuleModule<TlsRule | TlsCiphersRule> = {
  summary: "the certificate and key for TLS, or the OpenSSL cipher list",
  grammar: {
    verb: K.tls,
    keywords: Object.values(K),
    // tls certificate "cert.pem" key "key.pem" | tls ciphers "LIST"
    productions: [
      {
        name: "tlsRule",
        body: ($) => {
          $.CONSUME(K.tls);
          $.OR([
            {
              ALT: () => {
                $.CONSUME(K.certificate);
                $.SUBRULE($.stringValue, { LABEL: "certificate" });
                $.CONSUME(K.key);
                $.SUBRULE2($.stringValue, { LABEL: "key" });
              },
            },
            {
              // tls ciphers "OpenSSL cipher list" (TLS 1.2; TLS 1.3 suites are OpenSSL's)
              ALT: () => {
                $.CONSUME(K.ciphers);
                $.SUBRULE3($.stringValue, { LABEL: "ciphers" });
              },
            },
          ]);
        },
      },
    ],
  },
  build: (c, base) => {
    if (c.KwCiphers) {
      const ciphers = string(c, "ciphers");
      return ciphers && { kind: "tlsCiphers", ...base, ciphers };
    }
    const certificate = string(c, "certificate");
    const key = string(c, "key");
    return certificate && key && { kind: "tls", ...base, certificate, key };
  },
  kinds: {
    tls: {
      name: "tls certificate",
      once: true,
      check: (rule, context) => {
        context.policy.tls = { value: { certificate: rule.certificate, key: rule.key }, rule: rule.span };
      },
    },
    tlsCiphers: {
      name: "tls ciphers",
      once: true,
      check: (rule, context) => {
        // OpenSSL judges the list: a list it cannot use would fail every handshake.
        try {
          createSecureContext({ ciphers: rule.ciphers.value });
        } catch (error) {
          return context.report("unknownValue", rule.ciphers.span, `OpenSSL cannot use the cipher list \`${rule.ciphers.value}\``, { hint: (error as Error).message });
        }
        context.policy.tlsCiphers = { value: rule.ciphers.value, rule: rule.span };
      },
    },
  },
};

export function lowerTls(tls: NonNullable<CheckedPolicy["tls"]>, at: Lowering): NonNullable<RuleGraph["tls"]> {
  return { certificate: resolvePolicyPath(at.file, tls.value.certificate.value), key: resolvePolicyPath(at.file, tls.value.key.value), origin: at.origin(tls.rule) };
}

export function printTls(tls: NonNullable<RuleGraph["tls"]>, at: Printing): string {
  return `tls certificate ${quote(at.path(tls.certificate))} key ${quote(at.path(tls.key))}`;
}

export function printTlsCiphers(ciphers: string): string {
  return `tls ciphers ${quote(ciphers)}`;
}
