// The policy grammar as a chevrotain CstParser: one rule per line, each rule
// starting with its verb. The rules' own productions come from their modules
// (compiler/rules/), handed to the constructor; this file holds what every rule
// shares: the statement, the line that is no rule, lists and strings, and the
// recovery. Recovery is on, so one run reports every syntax error; the parser
// never throws for a user's mistake. Recovery is line-based (see
// `findReSyncTokenType`): a broken line is skipped to its end, so one mistake is
// one diagnostic. Objects whose set of values is open (header names, domains,
// log levels) are parsed as names and judged by the checker, which can then
// suggest a spelling.
import { CstParser, EOF } from "./chevrotain.js";
import { Address, BracketedAddress, Anything, NotAVerb, Comma, HostPort, LBrace, Name, Newline, NumberLiteral, Observe, RBrace, StringLiteral, UnterminatedString, vocabulary, With, For, On, } from "./lexer.js";
import { policyErrorMessages } from "./syntaxMessages.js";
export class PolicyParser extends CstParser {
    /** The verbs as token types: a line inside `senders { }` that starts with one (and no `:`) means the block was not closed. */
    verbs;
    productions = new Map();
    policy;
    /** A comma-separated list of names, addresses or `@domain`s. */
    nameList;
    stringValue;
    constructor(rules) {
        const nameLabels = Object.assign({}, ...rules.map((rule) => rule.nameLabels ?? {}));
        super(vocabulary(rules.flatMap((rule) => rule.keywords)), { recoveryEnabled: true, errorMessageProvider: policyErrorMessages(nameLabels), maxLookahead: 3 });
        this.verbs = new Set(rules.map((rule) => rule.verb));
        // chevrotain's in-repetition recovery skips ahead to re-enter a loop. After a `senders` block
        // that was never closed, that would re-enter the block at every following line and report
        // each one; when the loop stopped at a rule's verb, the `}` mismatch alone is reported instead.
        // (An instance property chevrotain 11 sets when recovery is on; `test/compiler/recovery.test.ts` pins it.)
        const self = this;
        const inRepetitionRecovery = self.attemptInRepetitionRecovery;
        if (typeof inRepetitionRecovery !== "function" || typeof self.flattenFollowSet !== "function") {
            // A programming error, not a user's: the chevrotain upgrade needs this recovery tuning revisited.
            throw new Error("chevrotain's recovery internals changed (attemptInRepetitionRecovery, flattenFollowSet): revisit grammar/parser.ts");
        }
        const verbs = this.verbs;
        self.attemptInRepetitionRecovery = function (...args) {
            if (verbs.has(this.LA(1).tokenType))
                return;
            inRepetitionRecovery.apply(this, args);
        };
        // The fragments write with the parser's own DSL; chevrotain swaps its methods while it records
        // the grammar, so the DSL is the parser itself, not a copy of its methods.
        const dsl = this;
        this.policy = this.RULE("policy", () => {
            this.MANY(() => {
                this.OR([{ ALT: () => this.CONSUME(Newline) }, { ALT: () => this.SUBRULE(statement) }, { ALT: () => this.SUBRULE(onBlock) }]);
            });
        });
        // `on 2525, 127.0.0.1:2526 { RULES }`: rules for the sessions on those listeners (master.cf's
        // `-o` overrides); the checker says which rules may stand in one.
        const onBlock = this.RULE("onBlock", () => {
            this.CONSUME(On);
            // No listener is the checker's to report: the block still parses, so its lines are not reported again.
            this.MANY_SEP({
                SEP: Comma,
                DEF: () => this.OR([{ ALT: () => this.CONSUME(NumberLiteral, { LABEL: "listener" }) }, { ALT: () => this.CONSUME(HostPort, { LABEL: "listener" }) }]),
            });
            this.CONSUME(LBrace);
            this.CONSUME(Newline);
            // `}` is a token a line that is no rule may start with: the block ends at it instead.
            this.MANY({
                GATE: () => this.LA(1).tokenType !== RBrace,
                DEF: () => this.OR2([{ ALT: () => this.CONSUME2(Newline) }, { ALT: () => this.SUBRULE(statement) }]),
            });
            this.CONSUME(RBrace);
            this.CONSUME3(Newline);
        });
        const statement = this.RULE("statement", () => {
            // `observe RULE`: log what the rule would refuse without refusing (the checker says which rules may be observed).
            this.OPTION(() => this.CONSUME(Observe));
            this.OR(alternatives);
            // `for NAMES`: the logins and groups a refusing rule applies to; `with [CODE] "TEXT"`: the
            // reply it gives (the checker says which rules refuse).
            this.OPTION3(() => this.SUBRULE(forLogins));
            this.OPTION2(() => this.SUBRULE(replyText));
            this.CONSUME2(Newline);
        });
        const forLogins = this.RULE("forLogins", () => {
            this.CONSUME(For);
            this.SUBRULE(this.nameList, { LABEL: "names" });
        });
        const replyText = this.RULE("replyText", () => {
            this.CONSUME(With);
            this.OPTION(() => this.CONSUME(NumberLiteral, { LABEL: "code" }));
            this.SUBRULE(this.stringValue, { LABEL: "text" });
        });
        // A line that does not start with a verb: parsed whole, so the checker reports it once and suggests a verb.
        const unknownRule = this.RULE("unknownRule", () => {
            this.CONSUME(NotAVerb);
            this.MANY(() => this.CONSUME(Anything));
        });
        const firsts = [];
        for (const rule of rules) {
            rule.productions.forEach((production, index) => {
                const built = this.RULE(production.name, () => production.body(dsl));
                this.productions.set(production.name, built);
                if (index === 0)
                    firsts.push(built);
            });
        }
        const alternatives = [...firsts, unknownRule].map((production) => ({ ALT: () => this.SUBRULE(production) }));
        this.nameList = this.RULE("nameList", () => {
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
        this.stringValue = this.RULE("stringValue", () => {
            this.OR([{ ALT: () => this.CONSUME(StringLiteral) }, { ALT: () => this.CONSUME(UnterminatedString) }]);
        });
        this.performSelfAnalysis();
    }
    /** One of the grammar's productions, by name, for `SUBRULE` in a fragment. */
    production(name) {
        const found = this.productions.get(name);
        // A programming error in a rule module: a fragment names a production no module defines.
        if (!found)
            throw new Error(`no grammar production \`${name}\``);
        return found;
    }
    isVerb(type) {
        return this.verbs.has(type);
    }
    /** A missing end of line is not invented: the rest of the line is skipped instead, so one line never becomes two rules. */
    canTokenTypeBeInsertedInRecovery(type) {
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
    findReSyncTokenType() {
        const follows = this.flattenFollowSet();
        // An exact `}` (not through the NotAVerb category) follows only inside a `senders` or `on` block.
        const insideBlock = follows.includes(RBrace);
        for (let k = 1;; k++) {
            const type = this.LA(k).tokenType;
            if (type === Newline || type === EOF || (insideBlock && type === RBrace))
                return type;
        }
    }
    /** Parses a whole policy's tokens. */
    parse(tokens) {
        this.input = tokens;
        const cst = this.policy();
        return { cst, errors: this.errors };
    }
    /**
     * What the grammar accepts after `tokens` at the start of a statement (chevrotain's content
     * assist): each next token type, with the productions it would be consumed in.
     */
    nextTokenTypes(tokens) {
        return this.computeContentAssist("statement", tokens).map((path) => ({ type: path.nextTokenType, ruleStack: path.ruleStack }));
    }
}
//# sourceMappingURL=parser.js.map