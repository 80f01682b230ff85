// The policy grammar as a chevrotain CstParser: one rule per line, each rule
// starting with its verb. Recovery is on, so one run reports every syntax
// error; the parser never throws for a user's mistake. Recovery is line-based
// (see `findReSyncTokenType`): a broken line is skipped to its end, so one
// mistake is one diagnostic. Objects whose set of values is open (header
// names, domains, log levels) are parsed as names and judged by the checker,
// which can then suggest a spelling.
import { CstParser, EOF, type CstNode, type IRecognitionException, type IToken, type TokenType } from "./chevrotain.js";
import {
  Address,
  allTokens,
  BracketedAddress,
  Anything,
  NotAVerb,
  Colon,
  Comma,
  Duration,
  HostPort,
  Keywords as K,
  LBrace,
  Name,
  Newline,
  NumberLiteral,
  RBrace,
  RuleVerbs,
  Size,
  StringLiteral,
  UnterminatedString,
  Url,
  Word,
} from "./lexer.js";
import { policyErrorMessages } from "./syntaxMessages.js";

/** The verbs as token types: a line inside `senders { }` that starts with one (and no `:`) means the block was not closed. */
const VERB_TOKENS: ReadonlySet<TokenType> = new Set(RuleVerbs.map((verb) => K[verb]));

class PolicyParser extends CstParser {
  constructor() {
    super(allTokens, { recoveryEnabled: true, errorMessageProvider: policyErrorMessages, maxLookahead: 3 });
    // chevrotain's in-repetition recovery skips ahead to re-enter a loop. After a `senders` block
    // that was never closed, that would re-enter the block at every following line and report
    // each one; when the loop stopped at a rule's verb, the `}` mismatch alone is reported instead.
    // (An instance property chevrotain 11 sets when recovery is on; `test/compiler/recovery.test.ts` pins it.)
    const self = this as unknown as { attemptInRepetitionRecovery: (...args: unknown[]) => void; flattenFollowSet: unknown };
    const inRepetitionRecovery = self.attemptInRepetitionRecovery;
    if (typeof inRepetitionRecovery !== "function" || typeof self.flattenFollowSet !== "function") {
      // A programming error, not a user's: the chevrotain upgrade needs this recovery tuning revisited.
      throw new Error("chevrotain's recovery internals changed (attemptInRepetitionRecovery, flattenFollowSet): revisit grammar/parser.ts");
    }
    self.attemptInRepetitionRecovery = function (this: PolicyParser, ...args: unknown[]) {
      if (VERB_TOKENS.has(this.LA(1).tokenType)) return;
      inRepetitionRecovery.apply(this, args);
    };
    this.performSelfAnalysis();
  }

  /** A missing end of line is not invented: the rest of the line is skipped instead, so one line never becomes two rules. */
  protected override canTokenTypeBeInsertedInRecovery(type: TokenType): boolean {
    return type !== Newline;
  }

  /**
   * Where recovery resumes after a mistake. chevrotain's default is the first
   * token that may follow any rule on the stack, but since a line that is not a
   * rule is itself parsed (`unknownRule`), nearly every token qualifies, and the
   * rest of a broken line would be reported again as an unknown rule. A policy
   * is line-based, so recovery resumes at the end of the line, or at the `}` that
   * closes a `senders` block when the mistake is inside one.
   * (Overrides a method chevrotain 11 does not declare; `test/compiler/recovery.test.ts` pins the behaviour.)
   */
  findReSyncTokenType(): TokenType {
    const follows = (this as unknown as { flattenFollowSet(): TokenType[] }).flattenFollowSet();
    // An exact `}` (not through the NotAVerb category) follows only inside a `senders` block.
    const insideBlock = follows.includes(RBrace);
    for (let k = 1; ; k++) {
      const type = this.LA(k).tokenType;
      if (type === Newline || type === EOF || (insideBlock && type === RBrace)) return type;
    }
  }

  public policy = this.RULE("policy", () => {
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(Newline) }, { ALT: () => this.SUBRULE(this.statement) }]);
    });
  });

  private statement = this.RULE("statement", () => {
    // `observe RULE`: log what the rule would refuse without refusing (the checker says which rules may be observed).
    this.OPTION(() => this.CONSUME(K.observe));
    this.OR([
      { ALT: () => this.SUBRULE(this.hostnameRule) },
      { ALT: () => this.SUBRULE(this.tlsRule) },
      { ALT: () => this.SUBRULE(this.listenRule) },
      { ALT: () => this.SUBRULE(this.authRule) },
      { ALT: () => this.SUBRULE(this.requireRule) },
      { ALT: () => this.SUBRULE(this.qualifyRule) },
      { ALT: () => this.SUBRULE(this.enforceRule) },
      { ALT: () => this.SUBRULE(this.allowRule) },
      { ALT: () => this.SUBRULE(this.sendersRule) },
      { ALT: () => this.SUBRULE(this.limitRule) },
      { ALT: () => this.SUBRULE(this.addRule) },
      { ALT: () => this.SUBRULE(this.logRule) },
      { ALT: () => this.SUBRULE(this.deliverRule) },
      { ALT: () => this.SUBRULE(this.removeRule) },
      { ALT: () => this.SUBRULE(this.signRule) },
      { ALT: () => this.SUBRULE(this.throttleRule) },
      { ALT: () => this.SUBRULE(this.timeoutRule) },
      { ALT: () => this.SUBRULE(this.aliasesRule) },
      { ALT: () => this.SUBRULE(this.masqueradeRule) },
      { ALT: () => this.SUBRULE(this.metricsRule) },
      { ALT: () => this.SUBRULE(this.workersRule) },
      { ALT: () => this.SUBRULE(this.limitsStoreRule) },
      { ALT: () => this.SUBRULE(this.unknownRule) },
    ]);
    this.CONSUME2(Newline);
  });

  // A line that does not start with a verb: parsed whole, so the checker reports it once and suggests a verb.
  private unknownRule = this.RULE("unknownRule", () => {
    this.CONSUME(NotAVerb);
    this.MANY(() => this.CONSUME(Anything));
  });

  // hostname msa.example.test
  private hostnameRule = this.RULE("hostnameRule", () => {
    this.CONSUME(K.hostname);
    this.CONSUME(Name);
  });

  // tls certificate "cert.pem" key "key.pem" | tls ciphers "LIST"
  private tlsRule = this.RULE("tlsRule", () => {
    this.CONSUME(K.tls);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(K.certificate);
          this.SUBRULE(this.stringValue, { LABEL: "certificate" });
          this.CONSUME(K.key);
          this.SUBRULE2(this.stringValue, { LABEL: "key" });
        },
      },
      {
        // tls ciphers "OpenSSL cipher list" (TLS 1.2; TLS 1.3 suites are OpenSSL's)
        ALT: () => {
          this.CONSUME(K.ciphers);
          this.SUBRULE3(this.stringValue, { LABEL: "ciphers" });
        },
      },
    ]);
  });

  // listen 587 starttls | listen 127.0.0.1:2525 plain
  private listenRule = this.RULE("listenRule", () => {
    this.CONSUME(K.listen);
    this.OR([{ ALT: () => this.CONSUME(NumberLiteral) }, { ALT: () => this.CONSUME(HostPort) }]);
    this.OR2([{ ALT: () => this.CONSUME(K.starttls) }, { ALT: () => this.CONSUME(K.tls) }, { ALT: () => this.CONSUME(K.plain) }]);
    this.OPTION(() => {
      this.CONSUME(K.proxy);
      // proxy from 10.0.0.2, 10.0.0.3: only these peers may send the PROXY header
      this.OPTION2(() => {
        this.CONSUME(K.from);
        this.SUBRULE(this.nameList, { LABEL: "proxies" });
      });
    });
  });

  // auth users "users.passwd"
  private authRule = this.RULE("authRule", () => {
    this.CONSUME(K.auth);
    this.CONSUME(K.users);
    this.SUBRULE(this.stringValue);
  });

  // require tls | require auth
  private requireRule = this.RULE("requireRule", () => {
    this.CONSUME(K.require);
    this.OR([{ ALT: () => this.CONSUME(K.tls) }, { ALT: () => this.CONSUME(K.auth) }]);
  });

  // qualify domains example.test [more.example ...]
  private qualifyRule = this.RULE("qualifyRule", () => {
    this.CONSUME(K.qualify);
    this.CONSUME(K.domains);
    this.AT_LEAST_ONE(() => this.CONSUME(Name));
  });

  // enforce address syntax | enforce message syntax | enforce senders in headers
  private enforceRule = this.RULE("enforceRule", () => {
    this.CONSUME(K.enforce);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(K.address);
          this.CONSUME(K.syntax);
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.message);
          this.CONSUME2(K.syntax);
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.senders);
          this.CONSUME(K.in);
          this.CONSUME(K.headers);
        },
      },
    ]);
  });

  // allow postmaster | allow unauthenticated | allow sender mismatch
  private allowRule = this.RULE("allowRule", () => {
    this.CONSUME(K.allow);
    this.OR([
      { ALT: () => this.CONSUME(K.postmaster) },
      { ALT: () => this.CONSUME(K.unauthenticated) },
      {
        ALT: () => {
          this.CONSUME(K.sender);
          this.CONSUME(K.mismatch);
        },
      },
      {
        // allow bare line endings: a bare CR or LF in DATA becomes CRLF instead of a refusal
        ALT: () => {
          this.CONSUME(K.bare);
          this.CONSUME(K.line);
          this.CONSUME(K.endings);
        },
      },
    ]);
  });

  // senders { login: address, @domain, * ... } | senders "FILE"
  private sendersRule = this.RULE("sendersRule", () => {
    this.CONSUME(K.senders);
    this.OR([{ ALT: () => this.SUBRULE(this.sendersBlock) }, { ALT: () => this.SUBRULE(this.stringValue) }]);
  });

  // The inline table: the same lines a senders file holds.
  private sendersBlock = this.RULE("sendersBlock", () => {
    this.CONSUME(LBrace);
    this.MANY({
      // A verb not followed by `:` starts a rule, not an entry: the block was not closed.
      // (A login may still be called `log`: `log: log@example.com` is an entry.)
      GATE: () => !(VERB_TOKENS.has(this.LA(1).tokenType) && this.LA(2).tokenType !== Colon),
      DEF: () => {
        this.OR([{ ALT: () => this.CONSUME(Newline) }, { ALT: () => this.SUBRULE(this.senderEntry) }]);
      },
    });
    this.CONSUME(RBrace);
  });

  // One CST node per entry (login and addresses are labelled tokens, not subrules): a `senders`
  // table may have 100,000 lines, and nodes are what the parser allocates most.
  private senderEntry = this.RULE("senderEntry", () => {
    this.OR([
      { ALT: () => this.CONSUME(Name, { LABEL: "login" }) },
      { ALT: () => this.CONSUME(Address, { LABEL: "login" }) },
      // Logins may be all digits (employee numbers).
      { ALT: () => this.CONSUME(NumberLiteral, { LABEL: "login" }) },
    ]);
    this.CONSUME(Colon);
    this.AT_LEAST_ONE_SEP({
      SEP: Comma,
      DEF: () => {
        this.OR2([{ ALT: () => this.CONSUME2(Address, { LABEL: "address" }) }, { ALT: () => this.CONSUME2(Name, { LABEL: "address" }) }]);
      },
    });
    this.CONSUME(Newline);
  });

  // limit size 10MB | limit recipients 50 | limit recipients to LIST [for LOGINS]
  // | limit rate N UNIT per WINDOW per SUBJECT | limit sessions [per ip] N | limit queue lifetime D
  private limitRule = this.RULE("limitRule", () => {
    this.CONSUME(K.limit);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(K.size);
          this.SUBRULE(this.sizeValue);
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.recipients);
          this.OR2([
            { ALT: () => this.CONSUME(NumberLiteral) },
            {
              // limit recipients to @example.com, partner.example [for alice, bob]
              // limit recipients except @competitor.example [for interns]
              ALT: () => {
                this.OR5([{ ALT: () => this.CONSUME(K.to) }, { ALT: () => this.CONSUME(K.except) }]);
                this.SUBRULE(this.nameList, { LABEL: "targets" });
                this.OPTION(() => {
                  this.CONSUME(K.for);
                  this.SUBRULE2(this.nameList, { LABEL: "logins" });
                });
              },
            },
          ]);
        },
      },
      {
        // limit rate 200 messages per hour per user
        ALT: () => {
          this.CONSUME(K.rate);
          this.OR4([
            {
              ALT: () => {
                this.CONSUME2(NumberLiteral, { LABEL: "count" });
                this.CONSUME(Name, { LABEL: "unit" });
              },
            },
            // limit rate 50MB per day per user: a size counts bytes.
            { ALT: () => this.CONSUME(Size, { LABEL: "count" }) },
          ]);
          this.CONSUME(K.per);
          this.OR3([{ ALT: () => this.CONSUME(Duration, { LABEL: "window" }) }, { ALT: () => this.CONSUME2(Name, { LABEL: "window" }) }]);
          this.CONSUME2(K.per);
          this.CONSUME3(Name, { LABEL: "subject" });
        },
      },
      {
        // limit sessions 500 | limit sessions per ip 20
        ALT: () => {
          this.CONSUME(K.sessions);
          this.OPTION2(() => {
            this.CONSUME3(K.per);
            this.CONSUME4(Name, { LABEL: "subject" });
          });
          this.CONSUME3(NumberLiteral, { LABEL: "count" });
        },
      },
      {
        // limit queue lifetime 5d
        ALT: () => {
          this.CONSUME(K.queue);
          this.CONSUME(K.lifetime);
          this.CONSUME2(Duration, { LABEL: "lifetime" });
        },
      },
    ]);
  });

  // A comma-separated list of names, addresses or `@domain`s.
  private nameList = this.RULE("nameList", () => {
    this.AT_LEAST_ONE_SEP({
      SEP: Comma,
      DEF: () => {
        this.OR([
          { ALT: () => this.CONSUME(Address, { LABEL: "item" }) },
          { ALT: () => this.CONSUME(BracketedAddress, { LABEL: "item" }) },
          { ALT: () => this.CONSUME(Name, { LABEL: "item" }) },
        ]);
      },
    });
  });

  // A size is `10MB`; a bare number or a misspelt unit is parsed too, so the checker can explain it.
  private sizeValue = this.RULE("sizeValue", () => {
    this.OR([{ ALT: () => this.CONSUME(Size) }, { ALT: () => this.CONSUME(NumberLiteral) }, { ALT: () => this.CONSUME(Duration) }, { ALT: () => this.CONSUME(Word) }]);
  });

  // add Date | add Message-ID | add Sender | add Received
  private addRule = this.RULE("addRule", () => {
    this.CONSUME(K.add);
    this.CONSUME(Name);
    // add Received private: no client IP in the trace field of authenticated submissions.
    this.OPTION(() => this.CONSUME(K.private));
  });

  // log errors | log info | log debug
  private logRule = this.RULE("logRule", () => {
    this.CONSUME(K.log);
    this.CONSUME(Name);
  });

  // deliver relay URL | deliver spool "DIR" [relay URL]
  private deliverRule = this.RULE("deliverRule", () => {
    this.CONSUME(K.deliver);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(K.relay);
          this.CONSUME(Url);
          this.SUBRULE(this.relayOptions);
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.spool);
          this.SUBRULE(this.stringValue);
          this.OPTION(() => {
            this.CONSUME2(K.relay);
            this.CONSUME2(Url);
            this.SUBRULE2(this.relayOptions);
          });
        },
      },
    ]);
  });

  // After a relay URL: require tls | verify certificate | auth "CREDENTIALS FILE"
  private relayOptions = this.RULE("relayOptions", () => {
    this.MANY(() => {
      this.OR([
        {
          // require tls | require 8bitmime (refuse 8-bit mail for a next hop without 8BITMIME instead of converting it)
          ALT: () => {
            this.CONSUME(K.require);
            this.OR2([{ ALT: () => this.CONSUME(K.tls) }, { ALT: () => this.CONSUME(Word, { LABEL: "requirement" }) }]);
          },
        },
        {
          ALT: () => {
            this.CONSUME(K.verify);
            this.CONSUME(K.certificate);
          },
        },
        {
          ALT: () => {
            this.CONSUME(K.auth);
            this.SUBRULE(this.stringValue, { LABEL: "credentials" });
          },
        },
      ]);
    });
  });

  // remove header Bcc, X-Originating-IP
  private removeRule = this.RULE("removeRule", () => {
    this.CONSUME(K.remove);
    this.CONSUME(K.header);
    this.SUBRULE(this.nameList);
  });

  // sign dkim domain example.com selector s1 key "keys/s1.pem" [headers From, To] [oversign From]
  private signRule = this.RULE("signRule", () => {
    this.CONSUME(K.sign);
    this.CONSUME(K.dkim);
    this.CONSUME(Name, { LABEL: "domainWord" });
    this.CONSUME2(Name, { LABEL: "domain" });
    this.CONSUME(K.selector);
    this.CONSUME3(Name, { LABEL: "selector" });
    this.CONSUME(K.key);
    this.SUBRULE(this.stringValue);
    this.OPTION(() => {
      this.CONSUME(K.headers);
      this.SUBRULE(this.nameList, { LABEL: "headers" });
    });
    this.OPTION2(() => {
      this.CONSUME(K.oversign);
      this.SUBRULE2(this.nameList, { LABEL: "oversign" });
    });
  });

  // throttle auth failures 5 per 10m per ip block 15m | throttle auth failures 3 per session
  // | throttle auth delay 1s up to 8s
  private throttleRule = this.RULE("throttleRule", () => {
    this.CONSUME(K.throttle);
    this.CONSUME(K.auth);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(K.failures);
          this.CONSUME(NumberLiteral, { LABEL: "count" });
          this.CONSUME(K.per);
          this.OR2([
            {
              ALT: () => {
                this.CONSUME(Duration, { LABEL: "window" });
                this.CONSUME2(K.per);
                this.CONSUME(Name, { LABEL: "subject" });
                this.CONSUME(K.block);
                this.CONSUME2(Duration, { LABEL: "block" });
              },
            },
            { ALT: () => this.CONSUME2(Name, { LABEL: "session" }) },
          ]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.delay);
          this.CONSUME3(Duration, { LABEL: "base" });
          this.CONSUME(K.up);
          this.CONSUME(K.to);
          this.CONSUME4(Duration, { LABEL: "max" });
        },
      },
    ]);
  });

  // timeout command 5m | timeout data 10m
  private timeoutRule = this.RULE("timeoutRule", () => {
    this.CONSUME(K.timeout);
    this.CONSUME(Name);
    this.CONSUME(Duration);
  });

  // aliases "aliases"
  private aliasesRule = this.RULE("aliasesRule", () => {
    this.CONSUME(K.aliases);
    this.SUBRULE(this.stringValue);
  });

  // masquerade example.com [except mail.example.com] [in envelope | in headers]
  private masqueradeRule = this.RULE("masqueradeRule", () => {
    this.CONSUME(K.masquerade);
    this.SUBRULE(this.nameList, { LABEL: "domains" });
    this.OPTION(() => {
      this.CONSUME(K.except);
      this.SUBRULE2(this.nameList, { LABEL: "exceptions" });
    });
    this.OPTION2(() => {
      this.CONSUME(K.in);
      this.CONSUME(Name, { LABEL: "scope" });
    });
  });

  // metrics listen 127.0.0.1:9187
  private metricsRule = this.RULE("metricsRule", () => {
    this.CONSUME(K.metrics);
    this.CONSUME(K.listen);
    this.CONSUME(HostPort);
  });

  // workers 4 | workers auto
  private workersRule = this.RULE("workersRule", () => {
    this.CONSUME(K.workers);
    this.OR([{ ALT: () => this.CONSUME(NumberLiteral) }, { ALT: () => this.CONSUME(Name) }]);
  });

  // limits store redis://127.0.0.1:6379 | limits store memory
  private limitsStoreRule = this.RULE("limitsStoreRule", () => {
    this.CONSUME(K.limits);
    this.CONSUME(K.store);
    this.OR([{ ALT: () => this.CONSUME(Url) }, { ALT: () => this.CONSUME(Name) }]);
  });

  private stringValue = this.RULE("stringValue", () => {
    this.OR([{ ALT: () => this.CONSUME(StringLiteral) }, { ALT: () => this.CONSUME(UnterminatedString) }]);
  });
}

// One instance per process: building a chevrotain parser runs its self-analysis.
const parser = new PolicyParser();

export interface ParseResult {
  cst: CstNode;
  errors: IRecognitionException[];
}

export function parseTokens(tokens: IToken[]): ParseResult {
  parser.input = tokens;
  const cst = parser.policy();
  return { cst, errors: parser.errors };
}

/**
 * What the grammar accepts after `tokens` at the start of a statement (chevrotain's content
 * assist): each next token type, with the productions it would be consumed in.
 */
export function nextTokenTypes(tokens: IToken[]): { type: TokenType; ruleStack: string[] }[] {
  return parser.computeContentAssist("statement", tokens).map((path) => ({ type: path.nextTokenType, ruleStack: path.ruleStack }));
}

/** The grammar's productions, for the syntax diagram and the grammar snapshot. */
export function grammarProductions() {
  return parser.getSerializedGastProductions();
}

export const BaseCstVisitor = parser.getBaseCstVisitorConstructor();
