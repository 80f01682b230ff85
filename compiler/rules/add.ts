// `add Date | Message-ID | From | Sender | Received [private] [with tls, login]`: complete a
// message with the fields an MSA may add (RFC 6409 section 8; From: from the login, RFC 5322
// section 3.6 requires one); `private` keeps the client's address out of the trace field of
// authenticated submissions, `with` adds the TLS protocol and cipher and the login to it.
// `add header NAME "VALUE"`: a field of the site's own, its value taking {login}, {client} and {queueid}.
import type { Located, RuleBase, Span } from "../../grammar/ast.js";
import { list, located, spanOfToken, string, token } from "../../grammar/cstReader.js";
import { keywords, Name, NumberLiteral, StringLiteral, UnterminatedString, With } from "../../grammar/lexer.js";
import { closestMatch } from "../../grammar/spelling.js";
import { spellingFix } from "../checkContext.js";
import { type Lowering, quote, type RuleModule } from "./ruleModule.js";
import { FIELD_TEMPLATE_VARIABLES, type AddFieldNode, type AddHeaderNode } from "../../graph/graph.js";
import type { CheckedPolicy } from "../checkedPolicy.js";

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    add: Map<AddableField, Span>;
    receivedPrivate?: Span;
    /** `add Received with ...`: what the trace field tells besides RFC 5321's clauses. */
    receivedDetails?: Map<ReceivedDetail, Span>;
    addFields?: From<{ name: string; value: string }>[];
  }
}

/** The words this rule is written with. */
const K = keywords("add", "private", "header");

/** In the order they are added: From before Sender (which it may make needless), the trace field last. */
export const ADDABLE_FIELDS = ["Date", "Message-ID", "From", "Sender", "Received"] as const;
export type AddableField = (typeof ADDABLE_FIELDS)[number];

/** `add Received with tls, login`: the TLS protocol and cipher, the authenticated login. */
export const RECEIVED_DETAILS = ["tls", "login"] as const;
export type ReceivedDetail = (typeof RECEIVED_DETAILS)[number];

export interface AddRule extends RuleBase {
  kind: "add";
  header: Located;
  private?: Span;
  /** the words after `with` */
  details?: Located[];
}
export interface AddFieldRule extends RuleBase {
  kind: "addField";
  name: Located;
  value: Located;
}

/** Fields the server writes itself or that name the message's origin: `add header` may not forge them. */
const RESERVED_FIELDS = ["Date", "Message-ID", "From", "Sender", "Received", "Return-Path", "DKIM-Signature", "To", "Cc", "Bcc", "Reply-To", "Subject"];

export const addRule: RuleModule<AddRule | AddFieldRule> = {
  summary: "a header field the MSA adds to a message: Date, Message-ID, From, Sender, Received, or one of the site's own",
  grammar: {
    verb: K.add,
    keywords: Object.values(K),
    productions: [
      {
        // add Date | add Message-ID | add From | add Sender | add Received
        name: "addRule",
        body: ($) => {
          $.CONSUME(K.add);
          $.OR([
            {
              // add header X-Submitted-By "{login}"
              ALT: () => {
                $.CONSUME(K.header);
                $.CONSUME2(Name, { LABEL: "field" });
                $.SUBRULE($.stringValue, { LABEL: "value" });
              },
            },
            {
              ALT: () => {
                $.CONSUME(Name);
                // add Received private: no client IP in the trace field of authenticated submissions.
                $.OPTION(() => $.CONSUME(K.private));
                // add Received with tls, login. A `with` before a quoted text or a code is the
                // statement's reply text, which the checker refuses for `add` with its own message.
                $.OPTION2({
                  GATE: () => ![StringLiteral, UnterminatedString, NumberLiteral].includes($.LA(2).tokenType),
                  DEF: () => {
                    $.CONSUME(With);
                    $.SUBRULE($.nameList, { LABEL: "details" });
                  },
                });
              },
            },
          ]);
        },
      },
    ],
    nameLabels: { addRule: "a header name such as `Date`" },
  },
  build: (c, base) => {
    if (c.value) {
      const name = token(c, "field");
      const value = string(c, "value");
      return name && value && { kind: "addField", ...base, name: located(name), value };
    }
    const header = token(c, "Name");
    const isPrivate = token(c, "KwPrivate");
    const details = list(c, "details");
    return (
      header && {
        kind: "add",
        ...base,
        header: located(header),
        ...(isPrivate ? { private: spanOfToken(isPrivate) } : {}),
        ...(details.length > 0 ? { details } : {}),
      }
    );
  },
  kinds: {
    add: {
      name: (rule) => `add ${rule.header.value}`,
      key: (rule) => `add ${rule.header.value}`,
      check: (rule, context) => {
        if (rule.private) {
          if (rule.header.value !== "Received") return context.report("unknownValue", rule.private, `\`private\` applies only to \`add Received\``);
          context.policy.receivedPrivate = rule.private;
        }
        if (rule.details) {
          if (rule.header.value !== "Received") return context.report("unknownValue", rule.details[0]!.span, `\`with\` applies only to \`add Received\``);
          const details = new Map<ReceivedDetail, Span>();
          for (const detail of rule.details) {
            const known = RECEIVED_DETAILS.find((d) => d === detail.value);
            if (!known) return context.unknown(detail, "`add Received with`", RECEIVED_DETAILS);
            details.set(known, detail.span);
          }
          context.policy.receivedDetails = details;
        }
        const field = ADDABLE_FIELDS.find((f) => f === rule.header.value);
        if (!field) {
          const sameIgnoringCase = ADDABLE_FIELDS.find((f) => f.toLowerCase() === rule.header.value.toLowerCase());
          const suggestion = sameIgnoringCase ?? closestMatch(rule.header.value, ADDABLE_FIELDS);
          return context.report("unknownHeader", rule.header.span, `unknown header \`${rule.header.value}\` in \`add\``, {
            hint: suggestion ? `did you mean \`${suggestion}\`?` : `\`add\` takes ${ADDABLE_FIELDS.map((f) => "`" + f + "`").join(", ")}`,
            ...spellingFix(rule.header, ADDABLE_FIELDS),
          });
        }
        context.policy.add.set(field, rule.span);
      },
    },
    addField: {
      name: (rule) => `add header ${rule.name.value}`,
      key: (rule) => `add header ${rule.name.value.toLowerCase()}`,
      check: (rule, context) => {
        const [name] = context.headerFieldNames([rule.name]);
        if (!name) return;
        const reserved = RESERVED_FIELDS.find((f) => f.toLowerCase() === name.value.toLowerCase());
        if (reserved) {
          return context.report("unknownValue", name.span, `\`add header\` may not write \`${reserved}\`: the server or the author writes it`, {
            hint: ADDABLE_FIELDS.some((f) => f === reserved) ? `write \`add ${reserved}\`` : "choose a field of your own, such as `X-Submitted-By`",
          });
        }
        // RFC 5322 section 2.2: a field body is printable ASCII or WSP; a line break would start another field.
        if (!/^[\x20-\x7e\t]*$/.test(rule.value.value)) return context.report("unknownValue", rule.value.span, "a header field value is printable ASCII, without line breaks");
        for (const [, variable] of rule.value.value.matchAll(/\{([^}]*)\}/g)) {
          if (!FIELD_TEMPLATE_VARIABLES.includes(variable as (typeof FIELD_TEMPLATE_VARIABLES)[number])) {
            return context.report("unknownValue", rule.value.span, `unknown variable \`{${variable}}\` in the value`, {
              hint: `it takes ${FIELD_TEMPLATE_VARIABLES.map((v) => `\`{${v}}\``).join(", ")}`,
            });
          }
        }
        (context.policy.addFields ??= []).push({ value: { name: name.value, value: rule.value.value }, rule: rule.span });
      },
    },
  },
  printers: { AddField: (node) => `add header ${node.name} ${quote(node.value)}` },
  values: { addRule: { words: ADDABLE_FIELDS, kind: "header", detail: "header field the MSA adds (RFC 6409 section 8)" } },
  stages: (policy, at) => ({
    message: [
      ...(policy.addFields ?? []).map((field) => lowerAddField(field, at)),
      // In this order, Received last: it is prepended, so it ends up on top.
      ...ADDABLE_FIELDS.flatMap((field) => {
        const rule = policy.add.get(field);
        return rule ? [lowerAddHeader(field, rule, policy, at)] : [];
      }),
    ],
  }),
};

/** `private` and `with` only for Received (the checker refuses them elsewhere). */
function lowerAddHeader(field: AddableField, rule: Span, policy: CheckedPolicy, at: Lowering): AddHeaderNode {
  const node: AddHeaderNode = { kind: "AddHeader", origin: at.origin(rule), field };
  if (field !== "Received") return node;
  if (policy.receivedPrivate) node.private = true;
  if (policy.receivedDetails?.has("tls")) node.tls = true;
  if (policy.receivedDetails?.has("login")) node.login = true;
  return node;
}

function lowerAddField(field: NonNullable<CheckedPolicy["addFields"]>[number], at: Lowering): AddFieldNode {
  return { kind: "AddField", origin: at.origin(field.rule), name: field.value.name, value: field.value.value };
}

export function printAdd(node: AddHeaderNode): string {
  const details = [node.tls ? "tls" : "", node.login ? "login" : ""].filter((d) => d !== "");
  return `add ${node.field}${node.private ? " private" : ""}${details.length > 0 ? ` with ${details.join(", ")}` : ""}`;
}
