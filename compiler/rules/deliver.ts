// `deliver relay URL [OPTIONS]`, `deliver spool "DIR" [relay URL [OPTIONS]]`:
// where accepted mail goes: in line to the next hop (250 only after its 250), to
// a durable local queue, or queued and then forwarded with retries.
import type { Located, RuleBase, Span } from "../../grammar/ast.js";
import { childrenOf, located, part, spanOfToken, string, token, tokens } from "../../grammar/cstReader.js";
import { keywords, Url, Word } from "../../grammar/lexer.js";
import { closestMatch } from "../../grammar/spelling.js";
import type { CheckContext } from "../checkContext.js";
import { type Lowering, type Printing, quote, type RuleModule } from "./ruleModule.js";
import type { DeliveryNode, RelayOptions as RelayOptionsNode } from "../../graph/graph.js";
import { resolvePolicyPath } from "../checkFiles.js";
import type { CheckedPolicy } from "../checkedPolicy.js";

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    deliver?: From<{ spool?: Located; relay?: string; requireTls: boolean; require8BitMime: boolean; verifyCertificate: boolean; credentials?: Located }>;
  }
}

/** The words this rule is written with. */
const K = keywords("deliver", "auth", "certificate", "relay", "require", "spool", "tls", "verify");

export interface RelayOptions {
  requireTls?: Span;
  verifyCertificate?: Span;
  credentials?: Located;
  requirements: Located[];
}
export interface DeliverRule extends RuleBase {
  kind: "deliver";
  spool?: Located;
  relay?: Located;
  options: RelayOptions;
}

export const deliverRule: RuleModule<DeliverRule> = {
  summary: "where accepted mail goes: a relay, a spool, or a spool then a relay",
  grammar: {
    verb: K.deliver,
    keywords: Object.values(K),
    productions: [
      {
        // deliver relay URL | deliver spool "DIR" [relay URL]
        name: "deliverRule",
        body: ($) => {
          $.CONSUME(K.deliver);
          $.OR([
            {
              ALT: () => {
                $.CONSUME(K.relay);
                $.CONSUME(Url);
                $.SUBRULE($.production("relayOptions"));
              },
            },
            {
              ALT: () => {
                $.CONSUME(K.spool);
                $.SUBRULE($.stringValue);
                $.OPTION(() => {
                  $.CONSUME2(K.relay);
                  $.CONSUME2(Url);
                  $.SUBRULE2($.production("relayOptions"));
                });
              },
            },
          ]);
        },
      },
      {
        // After a relay URL: require tls | verify certificate | auth "CREDENTIALS FILE"
        name: "relayOptions",
        body: ($) => {
          $.MANY(() => {
            $.OR([
              {
                // require tls | require 8bitmime (refuse 8-bit mail for a next hop without 8BITMIME instead of converting it)
                ALT: () => {
                  $.CONSUME(K.require);
                  $.OR2([{ ALT: () => $.CONSUME(K.tls) }, { ALT: () => $.CONSUME(Word, { LABEL: "requirement" }) }]);
                },
              },
              {
                ALT: () => {
                  $.CONSUME(K.verify);
                  $.CONSUME(K.certificate);
                },
              },
              {
                ALT: () => {
                  $.CONSUME(K.auth);
                  $.SUBRULE($.stringValue, { LABEL: "credentials" });
                },
              },
            ]);
          });
        },
      },
    ],
  },
  build: (c, base) => {
    const relayToken = token(c, "Url") ?? token(c, "Url", 1);
    const relay = relayToken && located(relayToken);
    const optionsNode = part(c, "relayOptions");
    const options: RelayOptions = optionsNode ? relayOptions(childrenOf(optionsNode)) : { requirements: [] };
    if (c.KwSpool) {
      const spool = string(c);
      return spool && { kind: "deliver", ...base, spool, relay, options };
    }
    return relay && { kind: "deliver", ...base, relay, options };
  },
  kinds: {
    deliver: { name: "deliver", once: true, check: checkDeliver },
  },
};

function relayOptions(c: ReturnType<typeof childrenOf>): RelayOptions {
  const options: RelayOptions = { requirements: tokens(c, "requirement").map(located) };
  const requireTls = token(c, "KwTls");
  const verify = token(c, "KwVerify");
  const credentials = string(c, "credentials");
  if (requireTls) options.requireTls = spanOfToken(requireTls);
  if (verify) options.verifyCertificate = spanOfToken(verify);
  if (credentials) options.credentials = credentials;
  return options;
}

function checkDeliver(rule: DeliverRule, context: CheckContext) {
  let relay: string | undefined;
  if (rule.relay) {
    relay = checkRelayUrl(rule.relay, context);
    if (relay === undefined) return;
  }
  for (const requirement of rule.options.requirements) {
    if (requirement.value !== "8bitmime") return context.unknown(requirement, "`require` after a relay URL", ["tls", "8bitmime"]);
  }
  context.policy.deliver = {
    value: {
      spool: rule.spool,
      relay,
      requireTls: !!rule.options.requireTls,
      require8BitMime: rule.options.requirements.length > 0,
      verifyCertificate: !!rule.options.verifyCertificate,
      ...(rule.options.credentials ? { credentials: rule.options.credentials } : {}),
    },
    rule: rule.span,
  };
}

function checkRelayUrl(located: Located, context: CheckContext): string | undefined {
  let url: URL;
  try {
    url = new URL(located.value);
  } catch {
    context.report("invalidRelayUrl", located.span, `\`${located.value}\` is not a valid URL`, { hint: "write `smtp://HOST:PORT`" });
    return undefined;
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") {
    const suggestion = closestMatch(url.protocol.slice(0, -1), ["smtp", "smtps"]);
    context.report("invalidRelayUrl", located.span, `unsupported relay scheme \`${url.protocol.slice(0, -1)}\``, {
      hint: suggestion ? `did you mean \`${suggestion}\`?` : "use `smtp://` or `smtps://`",
    });
    return undefined;
  }
  if (!url.hostname) {
    context.report("invalidRelayUrl", located.span, `\`${located.value}\` has no host`);
    return undefined;
  }
  return located.value;
}

export const DEFAULT_SPOOL = "spool";
/** How long store and forward keeps trying (RFC 5321 section 4.5.4.1 suggests at least 4-5 days). */
export const DEFAULT_QUEUE_LIFETIME_MS = 5 * 86_400_000;

/** Without a `deliver` rule mail goes to `deliver spool "spool"`; `queueLifetime` is `limit queue lifetime`. */
export function lowerDeliver(deliver: CheckedPolicy["deliver"], queueLifetime: CheckedPolicy["queueLifetime"], at: Lowering): DeliveryNode {
  if (!deliver) return { kind: "Spool", origin: at.builtin(`deliver spool "${DEFAULT_SPOOL}"`), dir: resolvePolicyPath(at.file, DEFAULT_SPOOL) };
  const { spool, relay } = deliver.value;
  const options: RelayOptionsNode = {
    requireTls: deliver.value.requireTls,
    require8BitMime: deliver.value.require8BitMime,
    verifyCertificate: deliver.value.verifyCertificate,
    credentials: deliver.value.credentials ? resolvePolicyPath(at.file, deliver.value.credentials.value) : null,
  };
  if (spool && relay) {
    return {
      kind: "SpoolThenRelay",
      origin: at.origin(deliver.rule),
      dir: resolvePolicyPath(at.file, spool.value),
      url: relay,
      relay: options,
      lifetimeMs: queueLifetime?.value ?? DEFAULT_QUEUE_LIFETIME_MS,
    };
  }
  if (spool) return { kind: "Spool", origin: at.origin(deliver.rule), dir: resolvePolicyPath(at.file, spool.value) };
  return { kind: "Relay", origin: at.origin(deliver.rule), url: relay!, relay: options };
}

export function printDeliver(deliver: DeliveryNode, at: Printing): string {
  if (deliver.kind === "Spool") return `deliver spool ${quote(at.path(deliver.dir))}`;
  const options = [
    deliver.relay.requireTls ? " require tls" : "",
    deliver.relay.require8BitMime ? " require 8bitmime" : "",
    deliver.relay.verifyCertificate ? " verify certificate" : "",
    deliver.relay.credentials ? ` auth ${quote(at.path(deliver.relay.credentials))}` : "",
  ].join("");
  if (deliver.kind === "Relay") return `deliver relay ${deliver.url}${options}`;
  return `deliver spool ${quote(at.path(deliver.dir))} relay ${deliver.url}${options}`;
}
