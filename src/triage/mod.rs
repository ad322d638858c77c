//! Red-flag triage: spotting, in any message, the symptoms that need a doctor rather than a
//! massage (bladder or bowel changes, numbness "down there", weakness in both legs, a serious
//! accident, fever, past cancer...) and wording the referral notice at the right urgency.
//!
//! Two layers find flags. The rules: regex patterns, and concepts that must occur together
//! in one sentence, in any order, a few words apart; exceptions that cancel only the harmless
//! reading of the same words. The semantic layer ([`semantic`]): a clause close to a
//! category's lay examples and far enough from ordinary sciatica sentences.
//!
//! All of it is data, owned by clinic staff: `corpus/red_flags.toml` holds the categories,
//! their tier, patterns, examples, shared word lists, what makes a mention read as denied
//! (`[denials]`), and each tier's notice and semantic thresholds; the phone lines come from
//! `config.toml`. Everything is compiled (and the examples embedded) once per corpus version;
//! a message only ever reaches compiled regexes, never the regex compiler.
//!
//! This module decides whether and how to warn. It does not answer questions (`search`),
//! embed the message (the caller does, in one batch with the question) or place the notice
//! in the reply (`reply`); it runs on every message whatever retrieval does.

pub mod semantic;
pub mod text;

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::LazyLock;

use crate::config::TriageConfig;
use crate::corpus::{parse_toml, Lines, Problem};
use crate::embed::{Model, ModelError};
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
pub use semantic::Clause;
use semantic::{Evidence, Examples, Semantic, Thresholds};
use serde::{Deserialize, Serialize};
use text::Normalized;
pub use text::{clauses, normalize};
use toml::Spanned;

/// The name of the rules file inside the corpus folder.
pub const RED_FLAGS_FILE: &str = "red_flags.toml";

/// How many of the person's own phrases a notice quotes at most.
const MAX_QUOTED: usize = 4;
/// A quoted phrase longer than this is shortened (a pattern may span words apart).
const MAX_QUOTE_CHARS: usize = 80;
/// How near a match (in bytes of the normalised text, either side, within its sentence) an
/// exception cancels it.
const EXCEPTION_REACH: usize = 40;
/// How far into a match a turn to a day that sets it apart from an exception may reach ("and
/// since wednesday", with the match beginning at "since").
const TURN_REACH_INTO_MATCH: usize = 12;
/// The parts of a `together` rule must all fall within this many words of one sentence.
pub const TOGETHER_WORDS: usize = 15;
/// Each category needs this many lay examples for the semantic layer, and the ordinary list
/// as many sentences.
pub const MIN_EXAMPLES: usize = 10;
/// The writer among the words between another person and a match ("my sister and I were in a
/// car crash", "helping my brother, lost my footing and fell"): then the match may be the
/// writer's own, and it stays a flag.
const WRITER: &str = r"\b(i|im|ive|id|me|my|mine|myself|we|us|ourselves)\b";
/// The writer as the subject before another person is named ("I was helping my dad and fell
/// off the ladder"), or the other person named as whom the writer was carrying or helping,
/// the subject left unsaid as chat leaves it ("slipped carrying the baby and fell down the
/// stairs"): the event may be the writer's. Not "my": "cancel my 2pm, my son has a
/// temperature" is the son's.
const WRITER_SUBJECT: &str = r"\b(i|im|ive|id|we)\b|\b(carrying|holding|lifting|helping|chasing|pushing|pulling) $";
/// Words that start a clause of its own, whose subject is its own: in "I need to cancel as my
/// daughter has a fever" the writer is the subject of the cancelling, not of the fever.
const CLAUSE_START: &str = r"\b(as|because|cos|coz|cause|since|so|while|whilst)\b";
/// Whose back or leg trouble is told: the writer's ("my back", "I've got sciatica") or
/// another's, named by these pronouns or by `[others] people`. "Mine's" is "mines" once the
/// apostrophe is dropped ("my dad fell off a roof. Mine's just the usual sciatica").
const OWN: &str = r"\b(i|im|ive|id|me|my|mine|mines|myself)\b";
const THIRD_PERSON: &str = r"\b(he|hes|she|shes|they|theyre|him|his|her|hers|them|their)\b";
/// Compiled-size limit of one pattern: staff patterns are small; this keeps a typo such as
/// `.{0,100000}` from exhausting memory.
const PATTERN_SIZE_LIMIT: usize = 4 * 1024 * 1024;

/// How urgently a person should act. Ordered: `Emergency` is the most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// See a doctor today: urgent GP appointment or the non-emergency line.
    Urgent,
    /// Go to the emergency department or call the emergency number now.
    Emergency,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layer::Rule => "rule",
            Layer::Semantic => "semantic",
        })
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tier::Urgent => "urgent",
            Tier::Emergency => "emergency",
        })
    }
}

/// Which layer found a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// A pattern or a `together` rule: the person said it in so many words.
    Rule,
    /// A clause close to the category's examples: the person may have meant it.
    Semantic,
}

/// One red flag found in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RedFlag {
    pub category: String,
    pub tier: Tier,
    pub layer: Layer,
    /// The person's own words that matched, normalised (lowercase, no punctuation): the
    /// rule's match, or the clause the semantic layer found close to the examples.
    pub matched: String,
    /// Whether the person said they do not have it ("no bladder problems").
    #[serde(skip)]
    pub negated: bool,
    /// Where a rule's `matched` stands in the normalised message, so overlapping mentions
    /// are quoted once; empty for the semantic layer.
    #[serde(skip)]
    pub span: Range<usize>,
}

/// What triage found in one message.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Assessment {
    /// Every flag, most urgent first, one per category.
    pub flags: Vec<RedFlag>,
    /// The notice to put first in the reply, if any flag was found.
    pub notice: Option<String>,
    /// The semantic layer's evidence for every category, the strongest first (what
    /// `ask --explain` shows); empty when the message was not embedded.
    pub evidence: Vec<Evidence>,
}

/// The flags the rules found in one message, one per category, before the semantic layer
/// read it ([`Triage::rules`]), with the message as the rules read it, so that it is
/// normalised once.
#[derive(Debug, Clone)]
pub struct RuleFindings {
    flags: Vec<RedFlag>,
    normalized: Normalized,
}

impl RuleFindings {
    /// Whether an emergency is among them, stated or denied: then the semantic layer does not
    /// run (see [`Triage::assess_after_rules`]) and the clauses need no vectors.
    pub fn include_an_emergency(&self) -> bool {
        self.flags.iter().any(|flag| flag.tier == Tier::Emergency)
    }
}

impl Assessment {
    /// The most urgent tier found.
    pub fn tier(&self) -> Option<Tier> {
        self.flags.iter().map(|f| f.tier).max()
    }
}

/// The compiled rules of one corpus version.
#[derive(Debug)]
pub struct Triage {
    set: RegexSet,
    /// One entry per pattern of `set`, in the same order.
    patterns: Vec<(Regex, usize)>,
    /// `together` rules: parts that must all occur in one sentence, and their group.
    together: Vec<(Vec<Regex>, usize)>,
    categories: Vec<Category>,
    notices: BTreeMap<Tier, Notices>,
    denials: Denials,
    others: Option<Others>,
    semantic: Semantic,
}

/// The `[denials]` section: when a mention reads as denied, and its notice is worded as a
/// condition.
#[derive(Debug)]
struct Denials {
    /// A negation before a match, in its own sentence: "no numbness".
    before: Regex,
    /// A turn that ends a negation's reach: "no fever, but I wet myself".
    turn: Regex,
    /// Answered "no" after the match: "Numb down there? No."
    answered_after: Regex,
    /// A match ending on a symptom denied inside it: "bum not numb".
    at_end: Regex,
    /// A negation before an exception, which then does not apply: "without trying to lose weight".
    before_exception: Regex,
}

/// The `[others]` section: when a mention is about someone else and harmless.
#[derive(Debug)]
struct Others {
    /// Someone other than the writer: "my sister", "our dog", "a colleague".
    people: Regex,
    /// Back or leg trouble, anywhere in the message: with it, another person's accident or
    /// illness may come with their sciatica, and stays a flag.
    trouble: Regex,
    writer: Regex,
    writer_subject: Regex,
    clause_start: Regex,
    own: Regex,
    third_person: Regex,
}

/// One [[flag]] group: a category's patterns that share exceptions.
#[derive(Debug)]
struct Category {
    name: String,
    tier: Tier,
    /// A match with one of these close by in its sentence is not a flag ("knee to chest
    /// stretch"), unless the exception is itself denied ("without trying to lose weight").
    exceptions: Vec<Regex>,
    /// A harmless context that explains every rule match of the group wherever the message
    /// says it ("on my period? I'll wear pads"), unless it is denied. Not for the semantic
    /// layer: a clause close to the category is not this group's match.
    message_exceptions: Vec<Regex>,
    /// Whether someone else's mention ("my dog has cancer") is harmless when the message
    /// speaks of no back or leg trouble at all.
    quiet_for_others: bool,
    /// Words a clause needs before the semantic layer may flag this category in it: a
    /// clause with no second side in it ("still only the right") is not about both legs,
    /// however close it sits to their examples.
    semantic_needs: Option<Regex>,
}

/// A tier's notice, with the phone lines already filled in.
#[derive(Debug, Clone)]
struct Notices {
    /// When the person says they have the symptom.
    plain: String,
    /// When they only mention it negated: worded "If you notice ...".
    conditional: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    words: BTreeMap<String, Spanned<String>>,
    tiers: BTreeMap<Spanned<String>, Spanned<TierFile>>,
    #[serde(rename = "flag")]
    flags: Vec<Spanned<FlagFile>>,
    ordinary: Spanned<OrdinaryFile>,
    #[serde(default)]
    others: Option<OthersFile>,
    denials: DenialsFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DenialsFile {
    before: Spanned<String>,
    turn: Spanned<String>,
    answered_after: Spanned<String>,
    at_end: Spanned<String>,
    before_exception: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OthersFile {
    people: Spanned<String>,
    trouble: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TierFile {
    notice: String,
    if_notice: String,
    semantic: Spanned<Thresholds>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrdinaryFile {
    examples: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FlagFile {
    category: Spanned<String>,
    tier: Spanned<String>,
    #[serde(default)]
    patterns: Vec<Spanned<String>>,
    #[serde(default)]
    together: Vec<Spanned<Vec<String>>>,
    #[serde(default)]
    exceptions: Vec<Spanned<String>>,
    #[serde(default)]
    message_exceptions: Vec<Spanned<String>>,
    #[serde(default)]
    examples: Vec<Spanned<String>>,
    #[serde(default)]
    quiet_for_others: bool,
    #[serde(default)]
    semantic_needs: Option<Spanned<String>>,
}

impl Triage {
    /// Reads and compiles the rules; every problem is reported with its line. The semantic
    /// layer is off until [`Triage::embed_examples`].
    pub fn load(path: &Path, config: &TriageConfig) -> Result<Triage, Vec<Problem>> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            vec![Problem::new(path, 1, format!("cannot read the red-flag rules ({e}): red-flag notices would be off"))]
        })?;
        Triage::parse(path, &text, config)
    }

    /// Compiles rules from their text; `path` names the file in problems.
    pub fn parse(path: &Path, text: &str, config: &TriageConfig) -> Result<Triage, Vec<Problem>> {
        let file: RulesFile = parse_toml(path, text).map_err(|problem| vec![problem])?;
        let mut problems = Vec::new();
        let lines = Lines::new(text);
        let at = |span: std::ops::Range<usize>| lines.line(span.start);

        let (words, unresolved) = expand_word_lists(&file.words);
        for (name, message) in unresolved {
            problems.push(Problem::new(path, at(file.words[&name].span()), message));
        }

        let mut notices = BTreeMap::new();
        let mut thresholds = BTreeMap::new();
        for (name, notice) in &file.tiers {
            let Some(tier) = parse_tier(name.get_ref()) else {
                problems.push(Problem::new(
                    path,
                    at(name.span()),
                    format!("unknown tier \"{}\": use emergency or urgent", name.get_ref()),
                ));
                continue;
            };
            let fill = |template: &str| -> Result<String, String> {
                check_placeholders(template)?;
                Ok(template
                    .replace("{emergency_number}", &config.emergency_number)
                    .replace("{urgent_line}", &config.urgent_line))
            };
            let semantic = &notice.get_ref().semantic;
            let Thresholds { similarity, margin } = *semantic.get_ref();
            if !(0.0..=1.0).contains(&similarity) || !(0.0..=1.0).contains(&margin) {
                problems.push(Problem::new(
                    path,
                    at(semantic.span()),
                    format!("semantic thresholds of {tier} must be between 0 and 1 (similarity {similarity}, margin {margin})"),
                ));
            }
            thresholds.insert(tier, *semantic.get_ref());
            match (fill(&notice.get_ref().notice), fill(&notice.get_ref().if_notice)) {
                (Ok(plain), Ok(conditional)) => {
                    notices.insert(tier, Notices { plain, conditional });
                }
                (Err(message), _) | (_, Err(message)) => problems.push(Problem::new(path, at(notice.span()), message)),
            }
        }

        // Every staff-written pattern compiles here or is reported at its line.
        let compile_at = |pattern: &str, span: Range<usize>, problems: &mut Vec<Problem>| {
            compile(pattern, &words).map_err(|message| problems.push(Problem::new(path, at(span), message))).ok()
        };
        // Anchored where a match starts or ends, so not wrapped to whole words.
        let as_written = |pattern: &Spanned<String>, problems: &mut Vec<Problem>| {
            compile_as_written(pattern.get_ref(), &words)
                .map_err(|message| problems.push(Problem::new(path, at(pattern.span()), message)))
                .ok()
        };
        let denials = (
            as_written(&file.denials.before, &mut problems),
            as_written(&file.denials.turn, &mut problems),
            as_written(&file.denials.answered_after, &mut problems),
            as_written(&file.denials.at_end, &mut problems),
            as_written(&file.denials.before_exception, &mut problems),
        );
        let others = file.others.as_ref().and_then(|others| {
            let people = compile_at(others.people.get_ref(), others.people.span(), &mut problems);
            let trouble = compile_at(others.trouble.get_ref(), others.trouble.span(), &mut problems);
            Some(Others {
                people: people?,
                trouble: trouble?,
                writer: RegexBuilder::new(WRITER).unicode(false).build().expect("the built-in pattern is valid"),
                writer_subject: RegexBuilder::new(WRITER_SUBJECT)
                    .unicode(false)
                    .build()
                    .expect("the built-in pattern is valid"),
                clause_start: RegexBuilder::new(CLAUSE_START)
                    .unicode(false)
                    .build()
                    .expect("the built-in pattern is valid"),
                own: RegexBuilder::new(OWN).unicode(false).build().expect("the built-in pattern is valid"),
                third_person: RegexBuilder::new(THIRD_PERSON)
                    .unicode(false)
                    .build()
                    .expect("the built-in pattern is valid"),
            })
        });

        let mut categories: Vec<Category> = Vec::new();
        let mut sources = Vec::new();
        let mut owners = Vec::new();
        let mut together = Vec::new();
        let mut examples: Vec<(Examples, usize)> = Vec::new();
        for flag in &file.flags {
            let line = at(flag.span());
            let flag = flag.get_ref();
            let name = flag.category.get_ref().trim().to_owned();
            let Some(tier) = parse_tier(flag.tier.get_ref()) else {
                problems.push(Problem::new(
                    path,
                    at(flag.tier.span()),
                    format!("unknown tier \"{}\": use emergency or urgent", flag.tier.get_ref()),
                ));
                continue;
            };
            // A category may have several [[flag]] groups, each with its own exceptions, but one tier.
            if let Some(other) = categories.iter().find(|c| c.name == name && c.tier != tier) {
                problems.push(Problem::new(
                    path,
                    at(flag.tier.span()),
                    format!("category \"{name}\" is {tier} here but {} elsewhere", other.tier),
                ));
                continue;
            }
            if !file.tiers.keys().any(|t| parse_tier(t.get_ref()) == Some(tier)) {
                problems.push(Problem::new(
                    path,
                    at(flag.tier.span()),
                    format!("tier \"{tier}\" has no notice: add [tiers.{tier}]"),
                ));
            }
            if flag.quiet_for_others && file.others.is_none() {
                problems.push(Problem::new(
                    path,
                    line,
                    format!("category \"{name}\" is quiet_for_others, but there is no [others] section saying who others are"),
                ));
            }
            if flag.patterns.is_empty() && flag.together.is_empty() && flag.examples.is_empty() {
                problems.push(Problem::new(path, line, format!("category \"{name}\" has no patterns")));
            }
            let mut compile_all = |list: &[Spanned<String>]| -> Vec<Regex> {
                list.iter().filter_map(|e| compile_at(e.get_ref(), e.span(), &mut problems)).collect()
            };
            let exceptions = compile_all(&flag.exceptions);
            let message_exceptions = compile_all(&flag.message_exceptions);
            let index = categories.len();
            for pattern in &flag.patterns {
                if let Some(regex) = compile_at(pattern.get_ref(), pattern.span(), &mut problems) {
                    sources.push(regex.as_str().to_owned());
                    owners.push((regex, index));
                }
            }
            for parts in &flag.together {
                if parts.get_ref().len() < 2 {
                    problems.push(Problem::new(path, at(parts.span()), "a `together` rule needs at least two parts"));
                    continue;
                }
                let compiled: Vec<Regex> =
                    parts.get_ref().iter().filter_map(|p| compile_at(p, parts.span(), &mut problems)).collect();
                if compiled.len() == parts.get_ref().len() {
                    together.push((compiled, index));
                }
            }
            let texts = nonempty(&flag.examples, "example", path, &lines, &mut problems);
            match examples.iter_mut().find(|(e, _)| e.category == name) {
                Some((existing, _)) => existing.texts.extend(texts),
                None => examples.push((Examples { category: name.clone(), tier, texts }, line)),
            }
            let semantic_needs =
                flag.semantic_needs.as_ref().and_then(|needs| compile_at(needs.get_ref(), needs.span(), &mut problems));
            categories.push(Category {
                name,
                tier,
                exceptions,
                message_exceptions,
                quiet_for_others: flag.quiet_for_others,
                semantic_needs,
            });
        }
        if categories.is_empty() && problems.is_empty() {
            problems.push(Problem::new(path, 1, "no [[flag]] categories: red-flag notices would be off"));
        }
        for (category, line) in &examples {
            if category.texts.len() < MIN_EXAMPLES {
                problems.push(Problem::new(
                    path,
                    *line,
                    format!(
                        "category \"{}\" has {} examples: the semantic layer needs at least {MIN_EXAMPLES} lay sentences",
                        category.category,
                        category.texts.len()
                    ),
                ));
            }
        }
        let ordinary = nonempty(&file.ordinary.get_ref().examples, "ordinary example", path, &lines, &mut problems);
        if ordinary.len() < MIN_EXAMPLES {
            problems.push(Problem::new(
                path,
                at(file.ordinary.span()),
                format!(
                    "[ordinary] has {} examples: at least {MIN_EXAMPLES} ordinary sciatica sentences are needed",
                    ordinary.len()
                ),
            ));
        }
        // A `[denials]` pattern that did not compile is among the problems already.
        let (Some(before), Some(turn), Some(answered_after), Some(at_end), Some(before_exception)) = denials else {
            return Err(problems);
        };
        let denials = Denials { before, turn, answered_after, at_end, before_exception };
        if !problems.is_empty() {
            return Err(problems);
        }
        let set = RegexSetBuilder::new(&sources)
            .unicode(false)
            .size_limit(PATTERN_SIZE_LIMIT * sources.len().max(1))
            .build()
            .map_err(|e| vec![Problem::new(path, 1, format!("the patterns together are too large: {e}"))])?;
        let semantic = Semantic::new(examples.into_iter().map(|(e, _)| e).collect(), ordinary, thresholds);
        Ok(Triage { set, patterns: owners, together, categories, notices, denials, others, semantic })
    }

    /// Embeds the semantic layer's examples with the shipped model (from the vector cache
    /// where it has them): until then only the rules run.
    pub fn embed_examples(&mut self, model: &Model, cache: Option<&Path>) -> Result<(), ModelError> {
        self.semantic.embed(model, cache)
    }

    /// Finds every red flag in a message and words the notice. `clauses` are the message's
    /// [`clauses`] with their vectors, for the semantic layer; with none, only the rules run.
    pub fn assess(&self, message: &str, clauses: &[Clause]) -> Assessment {
        self.assess_after_rules(&self.rules(message), clauses)
    }

    /// What the rules alone find in a message: the first half of [`Triage::assess`], asked
    /// before the message is embedded (it decides whether the clauses are).
    pub fn rules(&self, message: &str) -> RuleFindings {
        let read = Normalized::new(message);
        let normalized = &read;
        let text = normalized.text.as_bytes();
        let mut found: BTreeMap<&str, RedFlag> = BTreeMap::new();
        let trouble = OnceCell::new();
        let speaks_of_trouble = || self.speaks_of_trouble(normalized, &trouble);
        let pattern_matches = self.set.matches(text).into_iter().flat_map(|index| {
            let (regex, category) = &self.patterns[index];
            regex.find_iter(text).flat_map(move |m| {
                let m = nearest_telling(regex, text, m.range());
                // A negation may deny only a long match's first words: in "can't get to the
                // loo without holding the walls because my leg keeps giving out" the symptom
                // is stated inside the match, so the pattern is tried again from the next word.
                let inside = self
                    .negated_before(normalized, m.start)
                    .then(|| regex.find_at(text, next_word(text, m.start)))
                    .flatten()
                    .filter(|again| again.start() < m.end);
                std::iter::once(m).chain(inside.map(|again| again.range())).map(move |r| (r, *category))
            })
        });
        let together_matches =
            self.together.iter().flat_map(|(parts, category)| together(parts, normalized).map(move |r| (r, *category)));
        for (span, category_index) in pattern_matches.chain(together_matches) {
            let category = &self.categories[category_index];
            if self.harmless(category, normalized, &span, &speaks_of_trouble)
                || self.explained_by_the_message(category, normalized)
            {
                continue;
            }
            let sentence_end = normalized.sentence_at(span.start).end.max(span.end);
            // A symptom told by a negation ("no sensation during intimacy, none at all") is
            // not answered by the "none" after it.
            let told_by_negation = self.denials.before.is_match(&text[span.start..next_word(text, span.start)]);
            let negated = self.negated_before(normalized, span.start)
                || (!told_by_negation && self.denials.answered_after.is_match(&text[span.end..sentence_end]))
                || self.denials.at_end.is_match(&text[span.clone()]);
            // The normalised text is ASCII, so every byte offset is a character boundary.
            let matched = &normalized.text[span.clone()];
            let flag = RedFlag {
                category: category.name.clone(),
                tier: category.tier,
                layer: Layer::Rule,
                matched: shorten(matched.trim()),
                negated,
                span,
            };
            // One flag per category; a mention the person affirms beats a negated one.
            match found.get(category.name.as_str()) {
                Some(existing) if !existing.negated || negated => {}
                _ => {
                    found.insert(&category.name, flag);
                }
            }
        }
        let flags = found.into_values().collect();
        RuleFindings { flags, normalized: read }
    }

    /// [`Triage::assess`] from what [`Triage::rules`] found (the findings carry the message
    /// as the rules read it).
    pub fn assess_after_rules(&self, rules: &RuleFindings, clauses: &[Clause]) -> Assessment {
        let normalized = &rules.normalized;
        let mut found: BTreeMap<&str, RedFlag> =
            rules.flags.iter().map(|flag| (flag.category.as_str(), flag.clone())).collect();
        let trouble = OnceCell::new();
        let speaks_of_trouble = || self.speaks_of_trouble(normalized, &trouble);
        // Once the rules have found an emergency, the semantic layer can neither raise the
        // tier nor make the wording direct (its flags are worded as a condition): it would
        // only add categories, most of them wrong, to what the notice quotes. It does not run.
        let evidence = if rules.include_an_emergency() {
            Vec::new()
        } else {
            // The rules' harmless readings hold for the semantic layer too: a clause close to
            // the trauma examples is still about the neighbour's fall.
            self.semantic.evidence(clauses, |category, clause| {
                self.harmless_clause(category, normalized, clause, &speaks_of_trouble)
            })
        };
        for evidence in evidence.iter().filter(|e| e.flagged) {
            found.entry(&evidence.category).or_insert_with(|| RedFlag {
                category: evidence.category.clone(),
                tier: evidence.tier,
                layer: Layer::Semantic,
                matched: shorten(&normalize(&evidence.clause)),
                negated: false,
                span: 0..0,
            });
        }
        let mut flags: Vec<RedFlag> = found.into_values().collect();
        flags.sort_by_key(|flag| std::cmp::Reverse(flag.tier));
        let notice = self.notice(&flags);
        Assessment { flags, notice, evidence }
    }

    /// Whether someone else's trouble is told in the message: asked only once a match is about
    /// someone else (rarely), then kept in `asked` for the message.
    fn speaks_of_trouble(&self, normalized: &Normalized, asked: &OnceCell<bool>) -> bool {
        *asked.get_or_init(|| {
            // Trouble denied ("she's not in any pain", "no back problems") is none, and so is
            // the writer's own ("my aunt had cancer; my sciatica is the usual").
            self.others.as_ref().is_some_and(|others| {
                others
                    .trouble
                    .find_iter(normalized.text.as_bytes())
                    .any(|m| !self.negated_before(normalized, m.start()) && !writers_own(others, normalized, m.range()))
            })
        })
    }

    /// Whether the semantic layer's clause is read as harmless by any of the category's
    /// groups, as a rule's match would be (the clause is the match), or lacks the words a
    /// group says the category needs.
    fn harmless_clause(
        &self,
        category: &str,
        normalized: &Normalized,
        clause: &str,
        speaks_of_trouble: &dyn Fn() -> bool,
    ) -> bool {
        let clause = normalize(clause);
        // The clause's words are in the normalised message, unless a stutter was cut across
        // its edge; then the clause alone is read.
        let (own, span) = match normalized.text.find(&clause) {
            Some(start) => (None, start..start + clause.len()),
            None => (Some(Normalized::new(&clause)), 0..clause.len()),
        };
        let within = own.as_ref().unwrap_or(normalized);
        let groups = || self.categories.iter().filter(|c| c.name == category);
        let lacks_needed_words = groups()
            .filter_map(|c| c.semantic_needs.as_ref())
            .any(|needs| !needs.is_match(&within.text.as_bytes()[span.clone()]));
        lacks_needed_words || groups().any(|c| self.harmless(c, within, &span, speaks_of_trouble))
    }

    /// Whether the match at `span` of `within` reads as harmless: an exception says so, or it
    /// is about someone else in a message that speaks of no back or leg trouble (with
    /// trouble, it may be that person's sciatica).
    fn harmless(
        &self,
        category: &Category,
        within: &Normalized,
        span: &Range<usize>,
        speaks_of_trouble: &dyn Fn() -> bool,
    ) -> bool {
        self.excepted(category, within, span)
            || (category.quiet_for_others && self.about_someone_else(within, span) && !speaks_of_trouble())
    }

    /// Whether another person is named in the match's sentence before the match ends (a
    /// semantic clause holds its own subject), with the writer neither the subject before
    /// them in their clause ("I was helping my dad and fell off the ladder" is the writer's
    /// fall; "I need to cancel as my daughter has a fever" is the daughter's) nor named
    /// between them and the match.
    fn about_someone_else(&self, within: &Normalized, span: &Range<usize>) -> bool {
        let Some(others) = &self.others else { return false };
        let text = within.text.as_bytes();
        let sentence_start = within.sentence_at(span.start).start.min(span.start);
        others.people.find_iter(&text[sentence_start..span.end]).any(|person| {
            let (start, end) = (sentence_start + person.start(), sentence_start + person.end());
            let before = &text[sentence_start..start];
            // Only the person's own clause can make the writer its subject.
            let clause = others.clause_start.find_iter(before).last().map_or(before, |word| &before[word.end()..]);
            let between = &text[end..span.start.max(end)];
            !others.writer_subject.is_match(clause) && !others.writer.is_match(between)
        })
    }

    /// Whether one of the category's exceptions, in the match's sentence and close to it,
    /// reads the same words as harmless. An exception the person denies ("not on a diet")
    /// cancels nothing, and one in another sentence, or before a "but" or a turn to a day that
    /// sets the symptom apart ("heels and toes fine but my foot slaps", "a car crash last year
    /// and yesterday I came off my bike"), never silences it.
    fn excepted(&self, category: &Category, normalized: &Normalized, span: &Range<usize>) -> bool {
        let sentence = normalized.sentence_at(span.start);
        let near = span.start.saturating_sub(EXCEPTION_REACH).max(sentence.start)
            ..(span.end + EXCEPTION_REACH).min(sentence.end.max(span.end));
        let text = normalized.text.as_bytes();
        category.exceptions.iter().any(|exception| {
            exception.find_iter(&text[sentence.start..sentence.end.max(span.end)]).any(|x| {
                let (start, end) = (sentence.start + x.start(), sentence.start + x.end());
                // "Fine, but" or "last year, and yesterday" sets a symptom after it apart;
                // "numb, but only after sitting" explains the one before it.
                // The turn may end inside the match: in "and since this morning my legs keep
                // giving way" the match begins at "this morning".
                let turn_end = (span.start + TURN_REACH_INTO_MATCH).min(span.end);
                let set_apart = end <= span.start && CONTRAST.is_match(&text[end..turn_end]);
                start < near.end && near.start < end && !self.denied(text, start) && !set_apart
            })
        })
    }

    /// Whether the message says, anywhere and not denied, a context that makes every match
    /// of the group harmless (a period, for pads).
    fn explained_by_the_message(&self, category: &Category, normalized: &Normalized) -> bool {
        let text = normalized.text.as_bytes();
        category
            .message_exceptions
            .iter()
            .any(|exception| exception.find_iter(text).any(|x| !self.denied(text, x.start())))
    }

    /// Whether a negation just before `start` denies what is told there ("no numbness down
    /// there", "she's not in any pain"). Only in its own sentence, and not across a turn to a
    /// new telling: "No fever. I wet myself" and "no fever, but I wet myself" state the
    /// symptom.
    fn negated_before(&self, normalized: &Normalized, start: usize) -> bool {
        let text = normalized.text.as_bytes();
        let sentence = normalized.sentence_at(start);
        let sentence_start = sentence.start.min(start);
        self.denials.before.find(&text[sentence_start..start]).is_some_and(|negation| {
            // The turn's "and" needs the word after it, which may be the match's first.
            let from = sentence_start + negation.start();
            let after = &text[from..sentence.end.max(start)];
            !self.denials.turn.find_iter(after).any(|turn| from + turn.start() < start)
        })
    }

    /// Whether the words before `start` deny what an exception says there ("not on a diet").
    fn denied(&self, text: &[u8], start: usize) -> bool {
        self.denials.before_exception.is_match(&text[..start])
    }

    fn notice(&self, flags: &[RedFlag]) -> Option<String> {
        let tier = flags.iter().map(|f| f.tier).max()?;
        let notices = &self.notices[&tier];
        let mut quoted: Vec<&RedFlag> = Vec::new();
        for flag in flags {
            let overlaps = quoted.iter().any(|q| q.span.start < flag.span.end && flag.span.start < q.span.end);
            if !overlaps && quoted.len() < MAX_QUOTED {
                quoted.push(flag);
            }
        }
        quoted.sort_by_key(|flag| (flag.layer == Layer::Semantic, flag.span.start));
        let mut mentioned: Vec<String> = Vec::new();
        for flag in quoted {
            let quote = format!("\"{}\"", flag.matched);
            // Two categories the semantic layer found in one clause quote it once.
            if !mentioned.contains(&quote) {
                mentioned.push(quote);
            }
        }
        let mentioned = join_words(&mentioned);
        // Safety wins over politeness: a negated mention, or one only the semantic layer saw,
        // still gets the notice, worded as a condition.
        let stated = flags.iter().any(|f| f.tier == tier && f.layer == Layer::Rule && !f.negated);
        let template = if stated { &notices.plain } else { &notices.conditional };
        Some(template.replace("{mentioned}", &mentioned))
    }

    /// The categories and their tiers, each once, for documentation and tests.
    pub fn categories(&self) -> impl Iterator<Item = (&str, Tier)> {
        let unique: BTreeMap<&str, Tier> = self.categories.iter().map(|c| (c.name.as_str(), c.tier)).collect();
        unique.into_iter()
    }
}

fn parse_tier(name: &str) -> Option<Tier> {
    match name.trim() {
        "emergency" => Some(Tier::Emergency),
        "urgent" => Some(Tier::Urgent),
        _ => None,
    }
}

/// A notice may use only the placeholders that are filled in.
fn check_placeholders(template: &str) -> Result<(), String> {
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').ok_or("a notice has a `{` without `}`")?;
        let name = &rest[start + 1..start + end];
        if !matches!(name, "mentioned" | "emergency_number" | "urgent_line") {
            return Err(format!(
                "unknown placeholder {{{name}}}: use {{mentioned}}, {{emergency_number}} or {{urgent_line}}"
            ));
        }
        rest = &rest[start + end + 1..];
    }
    Ok(())
}

/// Words that set what follows against what came before, or move the story on to a day
/// ("a car crash last year and yesterday I came off my bike"): an exception before them does
/// not read a symptom after them. A bare "then" or "now" is not enough: "a long drive, then
/// my bum went numb" is the drive's doing.
static CONTRAST: LazyLock<Regex> = LazyLock::new(|| Regex::new(CONTRAST_WORDS).expect("the contrast pattern is valid"));
const CONTRAST_WORDS: &str = r"\b(but|although|though|however|whereas|yet|and (then )?(yesterday|today|tonight|this (morning|afternoon|evening|week)|last night|since (yesterday|this|last|(mon|tues|wednes|thurs|fri|satur|sun)day)))\b";

/// A `{name}` placeholder for a word list. Regex repetitions such as `{0,40}` start with a
/// digit and are not placeholders.
static WORD_LIST: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"\{([A-Za-z_][A-Za-z0-9_]*)\}").expect("the placeholder pattern is valid"));

/// The word lists a pattern uses.
fn word_lists_used(pattern: &str) -> impl Iterator<Item = &str> {
    WORD_LIST.captures_iter(pattern).map(|c| c.get(1).expect("the placeholder has a name").as_str())
}

/// Replaces `{name}` with the word list `name` as a non-capturing group.
fn expand_words(pattern: &str, words: &BTreeMap<String, String>) -> Result<String, String> {
    if let Some(unknown) = word_lists_used(pattern).find(|name| !words.contains_key(*name)) {
        return Err(format!("unknown word list {{{unknown}}}: define it under [words]"));
    }
    Ok(WORD_LIST.replace_all(pattern, |c: &regex::Captures<'_>| format!("(?:{})", words[&c[1]])).into_owned())
}

/// Expands the `[words]` lists, which may use one another in any order (`symptom` is
/// `{felt}` and the word sciatica). Returns the lists expanded, and for each list that could
/// not be, its name and why: it uses an unknown list, or itself through others.
fn expand_word_lists(lists: &BTreeMap<String, Spanned<String>>) -> (BTreeMap<String, String>, Vec<(String, String)>) {
    let mut words = BTreeMap::new();
    let mut pending: Vec<&String> = lists.keys().collect();
    // Each round expands the lists whose own lists are all expanded; a round that expands
    // none leaves only unknown names and cycles.
    loop {
        let before = pending.len();
        pending.retain(|name| {
            let list = lists[*name].get_ref();
            if !word_lists_used(list).all(|used| words.contains_key(used)) {
                return true;
            }
            let expanded = expand_words(list, &words).expect("every list it uses is expanded");
            words.insert((*name).clone(), expanded);
            false
        });
        if pending.is_empty() || pending.len() == before {
            break;
        }
    }
    let unresolved = pending
        .into_iter()
        .map(|name| {
            let list = lists[name].get_ref();
            let message = match word_lists_used(list).find(|used| !lists.contains_key(*used)) {
                Some(unknown) => format!("unknown word list {{{unknown}}}: define it under [words]"),
                None => format!("word list {{{name}}} uses itself, through the lists it uses"),
            };
            (name.clone(), message)
        })
        .collect();
    (words, unresolved)
}

/// A match told again by its nearest words: the latest start from which `regex` still matches
/// up to the same end with the same first word. A pattern with a gap reaches back to the first
/// of two mentions, and over a denial between them: in "chest is fine, no chest pain" the
/// telling is "chest pain", which "no" denies. Only a repeated word starts it again: in "poo
/// falls out now, no pushing and no warning" the telling starts at "poo".
fn nearest_telling(regex: &Regex, text: &[u8], span: Range<usize>) -> Range<usize> {
    let mut nearest = span.clone();
    let mut from = span.start;
    // Searching only up to the match's end keeps each try within the match's own words.
    let up_to_end = &text[..span.end];
    loop {
        let start = next_word(text, from);
        if start >= span.end {
            break;
        }
        let Some(again) = regex.find_at(up_to_end, start) else { break };
        if again.end() != span.end {
            break;
        }
        if same_word(text, again.start(), span.start) {
            nearest = again.range();
        }
        from = again.start();
    }
    nearest
}

/// Whether the words starting at `a` and `b` are one word, singular or plural ("bowel",
/// "bowels").
fn same_word(text: &[u8], a: usize, b: usize) -> bool {
    let word = |at: usize| {
        let word = &text[at..next_word(text, at)];
        let word = word.strip_suffix(b" ").unwrap_or(word);
        word.strip_suffix(b"s").unwrap_or(word)
    };
    word(a) == word(b)
}

/// Where the word after the one at `at` begins (the text's end if there is none).
fn next_word(text: &[u8], at: usize) -> usize {
    text[at..].iter().position(|&b| b == b' ').map_or(text.len(), |space| at + space + 1)
}

/// Whether the trouble at `mention` is the writer's own: in its sentence, up to the mention's
/// end, a word for the writer ("my back") comes after the last word for anyone else ("my
/// nan", "her"). A sentence that names no one goes on about whoever the message named last
/// ("... my sciatica's flared up again. Usual spot, right hip."); told with no one named in
/// the whole message, it may be the other person's.
fn writers_own(others: &Others, normalized: &Normalized, mention: Range<usize>) -> bool {
    let text = normalized.text.as_bytes();
    let sentence = &text[normalized.sentence_at(mention.start).start.min(mention.start)..mention.end];
    let names_someone =
        |told: &[u8]| others.own.is_match(told) || others.people.is_match(told) || others.third_person.is_match(told);
    let told = if names_someone(sentence) { sentence } else { &text[..mention.end] };
    let Some(writer) = others.own.find_iter(told).last() else { return false };
    let someone_else = others.people.find_iter(told).chain(others.third_person.find_iter(told)).map(|m| m.end()).max();
    // The writer's word must start after the other's name ends: "my" in "my nan" names the nan.
    someone_else.is_none_or(|end| writer.start() >= end)
}

/// Compiles a staff pattern that uses no word lists (such as the not-covered topics'), as the
/// red-flag patterns are compiled: over normalised text, whole words, with a size limit.
pub(crate) fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    compile(pattern, &BTreeMap::new())
}

/// Compiles one staff pattern, with word lists expanded, whole-word boundaries around it, and
/// a size limit.
fn compile(pattern: &str, words: &BTreeMap<String, String>) -> Result<Regex, String> {
    compile_as_written(&format!(r"\b(?:{pattern})\b"), words)
}

/// [`compile`] for a pattern anchored to where a match starts or ends (`[denials]`): not
/// wrapped to whole words, since "^ no$" begins with the space after the match.
fn compile_as_written(pattern: &str, words: &BTreeMap<String, String>) -> Result<Regex, String> {
    let expanded = expand_words(pattern, words)?;
    RegexBuilder::new(&expanded)
        .unicode(false)
        .size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .map_err(|e| format!("pattern does not compile: {}", first_line(&e.to_string())))
}

fn first_line(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines.last().map_or_else(String::new, |l| l.trim().trim_start_matches("error: ").to_owned())
}

/// Matches of one part inside a sentence beyond this many are not looked at: a sentence that
/// repeats a word a thousand times is not a description.
const MAX_PART_MATCHES: usize = 64;

/// Where every part of a `together` rule occurs in one sentence, in any order, without two
/// parts on the same words, the whole within [`TOGETHER_WORDS`] words: the span from the
/// first part to the last, once for each match of the first part that has such company.
fn together(parts: &[Regex], normalized: &Normalized) -> impl Iterator<Item = Range<usize>> {
    let text = normalized.text.as_bytes();
    let mut found = Vec::new();
    for sentence in &normalized.sentences {
        let within = &text[sentence.clone()];
        let matches: Vec<Vec<Range<usize>>> = parts
            .iter()
            .map(|part| {
                let found = part.find_iter(within).take(MAX_PART_MATCHES);
                found.map(|m| sentence.start + m.start()..sentence.start + m.end()).collect()
            })
            .collect();
        if matches.iter().any(Vec::is_empty) {
            continue;
        }
        let mut in_sentence = Vec::new();
        for anchor in &matches[0] {
            let mut span = anchor.clone();
            let mut taken = vec![anchor.clone()];
            for others in &matches[1..] {
                let nearest = others
                    .iter()
                    .filter(|m| taken.iter().all(|t| m.end <= t.start || t.end <= m.start))
                    // The one that widens the span least: nearest by start alone can pick a
                    // far-reaching match when a short one lies just beyond it.
                    .min_by_key(|m| span.end.max(m.end) - span.start.min(m.start));
                let Some(nearest) = nearest else { break };
                span = span.start.min(nearest.start)..span.end.max(nearest.end);
                taken.push(nearest.clone());
            }
            let words = text[span.clone()].iter().filter(|&&b| b == b' ').count() + 1;
            if taken.len() == parts.len() && words <= TOGETHER_WORDS {
                in_sentence.push(span);
            }
        }
        // Told again by its nearest words, as a pattern's match is (see `nearest_telling`):
        // of spans that end together and start on the same word, the one that starts last.
        // Spans that end together share a sentence, so the comparison stays within one.
        found.extend(
            in_sentence
                .iter()
                .filter(|span| {
                    !in_sentence.iter().any(|other| {
                        other.end == span.end && other.start > span.start && same_word(text, other.start, span.start)
                    })
                })
                .cloned(),
        );
    }
    found.into_iter()
}

/// The non-blank texts of a list, trimmed; each blank one is a problem at its line.
fn nonempty(
    list: &[Spanned<String>],
    what: &str,
    path: &Path,
    lines: &Lines,
    problems: &mut Vec<Problem>,
) -> Vec<String> {
    let mut texts = Vec::with_capacity(list.len());
    for item in list {
        match item.get_ref().trim() {
            "" => problems.push(Problem::new(path, lines.line(item.span().start), format!("an empty {what}"))),
            trimmed => texts.push(trimmed.to_owned()),
        }
    }
    texts
}

fn shorten(matched: &str) -> String {
    if matched.chars().count() <= MAX_QUOTE_CHARS {
        return matched.to_owned();
    }
    let cut = crate::reply::cut_at_boundary(matched, MAX_QUOTE_CHARS);
    format!("{}…", cut.trim_end())
}

/// "a", "a and b", "a, b and c".
fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lists_expand_but_repetitions_stay() {
        let words = BTreeMap::from([("pee".to_owned(), "pee|wee".to_owned())]);
        assert_eq!(expand_words(r"{pee}.{0,20}x{2}", &words).unwrap(), r"(?:pee|wee).{0,20}x{2}");
        assert!(expand_words("{poo}", &words).is_err());
    }

    #[test]
    fn lists_read_naturally() {
        let words = |n: usize| (0..n).map(|i| format!("w{i}")).collect::<Vec<_>>();
        assert_eq!(join_words(&words(1)), "w0");
        assert_eq!(join_words(&words(2)), "w0 and w1");
        assert_eq!(join_words(&words(3)), "w0, w1 and w2");
    }

    #[test]
    fn placeholders_are_checked() {
        assert!(check_placeholders("call {emergency_number} about {mentioned}").is_ok());
        assert!(check_placeholders("call {emergency_numbr}").is_err());
    }
}
