// What a rule's grammar fragment is written with: the part of chevrotain's
// parsing DSL the rules use (chevrotain declares it protected on the parser
// class), the two shared productions, and the rule's own productions by name.
// A fragment is a plain function, so a rule's grammar can live in the rule's
// module while one parser instance holds every rule.
import type {
  AtLeastOneSepMethodOpts,
  ConsumeMethodOpts,
  CstNode,
  DSLMethodOpts,
  DSLMethodOptsWithErr,
  GrammarAction,
  IOrAlt,
  IToken,
  OrMethodOpts,
  SubruleMethodOpts,
  TokenType,
} from "chevrotain";

/** A production of the parser, as `SUBRULE` takes it. */
export type Production = (idx?: number) => CstNode;

type Consume = (type: TokenType, options?: ConsumeMethodOpts) => IToken;
type Or = (alternatives: IOrAlt<unknown>[] | OrMethodOpts<unknown>) => unknown;
type Optional = (action: GrammarAction<unknown> | DSLMethodOpts<unknown>) => unknown;
type Subrule = (production: Production, options?: SubruleMethodOpts<[]>) => CstNode;

export interface GrammarDsl {
  CONSUME: Consume;
  CONSUME2: Consume;
  CONSUME3: Consume;
  CONSUME4: Consume;
  CONSUME5: Consume;
  OR: Or;
  OR2: Or;
  OR3: Or;
  OR4: Or;
  OR5: Or;
  OPTION: Optional;
  OPTION2: Optional;
  OPTION3: Optional;
  MANY: (action: GrammarAction<unknown> | DSLMethodOpts<unknown>) => void;
  AT_LEAST_ONE: (action: GrammarAction<unknown> | DSLMethodOptsWithErr<unknown>) => void;
  AT_LEAST_ONE_SEP: (options: AtLeastOneSepMethodOpts<unknown>) => void;
  SUBRULE: Subrule;
  SUBRULE2: Subrule;
  SUBRULE3: Subrule;
  LA: (howMuch: number) => IToken;
  /** A comma-separated list of names, addresses or `@domain`s. */
  nameList: Production;
  /** A quoted string. */
  stringValue: Production;
  /** One of the rule's own productions, by name. */
  production: (name: string) => Production;
  /** Whether a token type is the verb of some rule. */
  isVerb: (type: TokenType) => boolean;
}

/** A production: its name (CST node name, snapshot and diagram) and its body. */
export interface ProductionFragment {
  name: string;
  body: (g: GrammarDsl) => void;
}

/** A rule's part of the grammar. */
export interface RuleGrammar {
  /** The keyword that starts the rule. */
  verb: TokenType;
  /** Every keyword the rule is written with (the verb too): the lexer is built from the rules' keywords. */
  keywords: readonly TokenType[];
  /** The rule's productions: the first is the rule (one alternative of a statement), the others its parts. */
  productions: readonly ProductionFragment[];
  /** What a bare name is in each of these productions, so a syntax error says "a domain" rather than "a name". */
  nameLabels?: Readonly<Record<string, string>>;
}
