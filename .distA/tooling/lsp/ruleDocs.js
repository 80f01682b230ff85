// The documentation of a rule for the editor's hover: the rule module's summary (the line
// `docs/rules.md` and completion show) and the rule's section of `docs/language.md`, the
// reference a user reads. The section is found by its heading's keywords, so a rule's
// longest matching form wins (`limit recipients to` over `limit recipients`); the reference
// is read once, and without it (a copy that ships no docs) the summary stands alone.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { RULE_MODULES, VERB_SUMMARIES } from "../../compiler/rules/index.js";
import { For, keywordWord, Observe, On, With } from "../../grammar/lexer.js";
const KEYWORDS = new Set([Observe, With, For, On, ...RULE_MODULES.flatMap((module) => module.grammar.keywords)].map((type) => keywordWord(type)));
/** `docs/language.md` of this copy of msa: in the package's folder, above this module in the sources or in dist/. */
function languageReference() {
    for (let folder = path.dirname(fileURLToPath(import.meta.url));; folder = path.dirname(folder)) {
        const candidate = path.join(folder, "docs", "language.md");
        if (fs.existsSync(candidate))
            return fs.readFileSync(candidate, "utf8");
        // The package's own folder without it: a copy that ships no docs (never another project's).
        if (fs.existsSync(path.join(folder, "package.json")) || path.dirname(folder) === folder)
            return undefined;
    }
}
/** The `###` sections of the reference; a `#` line inside a code block is no heading. */
export function sectionsOf(markdown) {
    const sections = [];
    let current;
    let inCode = false;
    const close = () => {
        if (!current)
            return;
        const words = current.title.split(/[^A-Za-z-]+/).filter((word) => KEYWORDS.has(word));
        sections.push({ title: current.title, keywords: words, body: current.lines.join("\n").trim() });
        current = undefined;
    };
    for (const line of markdown.split("\n")) {
        if (line.startsWith("```"))
            inCode = !inCode;
        const heading = inCode ? null : /^(#{1,3}) (.*)$/.exec(line);
        if (heading) {
            close();
            if (heading[1] === "###")
                current = { title: heading[2], lines: [] };
        }
        else
            current?.lines.push(line);
    }
    close();
    return sections;
}
let sections;
function referenceSections() {
    sections ??= sectionsOf(languageReference() ?? "");
    return sections;
}
function isSubsequence(wanted, of) {
    let at = 0;
    for (const word of of)
        if (word === wanted[at])
            at++;
    return at === wanted.length;
}
/**
 * The section about a rule written with `words` (its keywords in order, the verb first): the
 * heading starting with the verb whose keywords the rule has most of; else the first heading
 * naming the verb at all (`group` is described with `for`).
 */
export function sectionFor(words, all = referenceSections()) {
    let best;
    for (const section of all) {
        if (section.keywords[0] !== words[0] || !isSubsequence(section.keywords, words))
            continue;
        if (!best || section.keywords.length > best.keywords.length)
            best = section;
    }
    return best ?? all.find((section) => section.keywords.includes(words[0]));
}
/** Links into other pages of the reference mean nothing in an editor: their text stays. */
function withoutRelativeLinks(markdown) {
    return markdown.replace(/\[([^\]]+)\]\((?![a-z]+:)[^)]*\)/g, "$1");
}
/** The hover text of a rule written with `words`, as Markdown, or undefined when nothing documents it. */
export function ruleDocumentation(words) {
    const verb = words[0];
    if (verb === undefined)
        return undefined;
    const summary = VERB_SUMMARIES.get(verb);
    const section = sectionFor(words);
    const parts = [...(summary ? [`**\`${verb}\`**: ${summary}`] : []), ...(section ? [`#### ${withoutRelativeLinks(section.title)}\n\n${withoutRelativeLinks(section.body)}`] : [])];
    return parts.length > 0 ? parts.join("\n\n") : undefined;
}
//# sourceMappingURL=ruleDocs.js.map