//! Red-flag triage: spotting, in any message, the symptoms that need a doctor rather than a
//! massage (bladder or bowel changes, numbness "down there", weakness in both legs, a serious
//! accident, fever, past cancer...) and wording the referral notice at the right urgency.
//!
//! The rules are data, owned by clinic staff: `corpus/red_flags.toml` holds the categories,
//! their tier and regex patterns, shared word lists, and the notice for each tier; the phone
//! lines come from `config.toml`. Everything is compiled once per corpus version; a message
//! only ever reaches compiled regexes, never the regex compiler.
//!
//! This module decides whether and how to warn. It does not answer questions (`search`) or
//! place the notice in the reply (`reply`); it runs on every message whatever retrieval does.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::LazyLock;

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};
use toml::Spanned;
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

use crate::config::TriageConfig;
use crate::corpus::{line_of, parse_toml, Problem};

/// The name of the rules file inside the corpus folder.
pub const RED_FLAGS_FILE: &str = "red_flags.toml";

/// How many of the person's own phrases a notice quotes at most.
const MAX_QUOTED: usize = 4;
/// A quoted phrase longer than this is shortened (a pattern may span words apart).
const MAX_QUOTE_CHARS: usize = 80;
/// How near a match (in bytes of the normalised text, either side) an exception cancels it.
const EXCEPTION_REACH: usize = 40;
/// A negation ("no", "never", "without") up to four words before a match, which then reads
/// as "I do not have it".
const NEGATION: &str = r"\b(no|not|never|without|nor|none|dont|doesnt|havent|hasnt|hadnt|didnt|arent|isnt|wasnt|denies|free of)\b( \w+){0,3} ?$";
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

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tier::Urgent => "urgent",
            Tier::Emergency => "emergency",
        })
    }
}

/// One red flag found in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RedFlag {
    pub category: String,
    pub tier: Tier,
    /// The person's own words that matched, normalised (lowercase, no punctuation).
    pub matched: String,
    /// Whether the person said they do not have it ("no bladder problems").
    #[serde(skip)]
    pub negated: bool,
    /// Where `matched` stands in the normalised message, so overlapping mentions are quoted once.
    #[serde(skip)]
    pub span: std::ops::Range<usize>,
}

/// What triage found in one message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assessment {
    /// Every flag, most urgent first, one per category.
    pub flags: Vec<RedFlag>,
    /// The notice to put first in the reply, if any flag was found.
    pub notice: Option<String>,
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
    categories: Vec<Category>,
    notices: BTreeMap<Tier, Notices>,
    negation: Regex,
}

/// One [[flag]] group: a category's patterns that share exceptions.
#[derive(Debug)]
struct Category {
    name: String,
    tier: Tier,
    /// A match with one of these close by is not a flag ("knee to chest stretch").
    exceptions: Vec<Regex>,
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
    tiers: BTreeMap<Spanned<String>, Spanned<NoticeFile>>,
    #[serde(rename = "flag")]
    flags: Vec<Spanned<FlagFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoticeFile {
    notice: String,
    if_notice: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FlagFile {
    category: Spanned<String>,
    tier: Spanned<String>,
    patterns: Vec<Spanned<String>>,
    #[serde(default)]
    exceptions: Vec<Spanned<String>>,
}

impl Triage {
    /// Reads and compiles the rules; every problem is reported with its line.
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
        let at = |span: std::ops::Range<usize>| line_of(text, span.start);

        let mut words = BTreeMap::new();
        for (name, list) in &file.words {
            match expand_words(list.get_ref(), &BTreeMap::new()) {
                Ok(expanded) => {
                    words.insert(name.clone(), expanded);
                }
                Err(message) => problems.push(Problem::new(path, at(list.span()), message)),
            }
        }

        let mut notices = BTreeMap::new();
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
            match (fill(&notice.get_ref().notice), fill(&notice.get_ref().if_notice)) {
                (Ok(plain), Ok(conditional)) => {
                    notices.insert(tier, Notices { plain, conditional });
                }
                (Err(message), _) | (_, Err(message)) => problems.push(Problem::new(path, at(notice.span()), message)),
            }
        }

        let mut categories: Vec<Category> = Vec::new();
        let mut sources = Vec::new();
        let mut owners = Vec::new();
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
            if flag.patterns.is_empty() {
                problems.push(Problem::new(path, line, format!("category \"{name}\" has no patterns")));
            }
            let mut exceptions = Vec::new();
            for exception in &flag.exceptions {
                match compile(exception.get_ref(), &words) {
                    Ok(regex) => exceptions.push(regex),
                    Err(message) => problems.push(Problem::new(path, at(exception.span()), message)),
                }
            }
            let index = categories.len();
            for pattern in &flag.patterns {
                match compile(pattern.get_ref(), &words) {
                    Ok(regex) => {
                        sources.push(regex.as_str().to_owned());
                        owners.push((regex, index));
                    }
                    Err(message) => problems.push(Problem::new(path, at(pattern.span()), message)),
                }
            }
            categories.push(Category { name, tier, exceptions });
        }
        if categories.is_empty() && problems.is_empty() {
            problems.push(Problem::new(path, 1, "no [[flag]] categories: red-flag notices would be off"));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let set = RegexSetBuilder::new(&sources)
            .unicode(false)
            .size_limit(PATTERN_SIZE_LIMIT * sources.len().max(1))
            .build()
            .map_err(|e| vec![Problem::new(path, 1, format!("the patterns together are too large: {e}"))])?;
        let negation = RegexBuilder::new(NEGATION).unicode(false).build().expect("the negation pattern is valid");
        Ok(Triage { set, patterns: owners, categories, notices, negation })
    }

    /// Finds every red flag in a message and words the notice.
    pub fn assess(&self, message: &str) -> Assessment {
        let normalized = normalize(message);
        let text = normalized.as_bytes();
        let mut found: BTreeMap<&str, RedFlag> = BTreeMap::new();
        for index in self.set.matches(text).iter() {
            let (regex, category_index) = &self.patterns[index];
            let category = &self.categories[*category_index];
            for span in regex.find_iter(text) {
                let (near_start, near_end) =
                    (span.start().saturating_sub(EXCEPTION_REACH), (span.end() + EXCEPTION_REACH).min(text.len()));
                let excepted = category
                    .exceptions
                    .iter()
                    .any(|e| e.find_iter(text).any(|x| x.start() < near_end && near_start < x.end()));
                if excepted {
                    continue;
                }
                let negated = self.negation.is_match(&text[..span.start()]);
                // The normalised text is ASCII, so every byte offset is a character boundary.
                let matched = &normalized[span.range()];
                let flag = RedFlag {
                    category: category.name.clone(),
                    tier: category.tier,
                    matched: shorten(matched.trim()),
                    negated,
                    span: span.range(),
                };
                // One flag per category; a mention the person affirms beats a negated one.
                match found.get(category.name.as_str()) {
                    Some(existing) if !existing.negated || negated => {}
                    _ => {
                        found.insert(&category.name, flag);
                    }
                }
            }
        }
        let mut flags: Vec<RedFlag> = found.into_values().collect();
        flags.sort_by_key(|flag| std::cmp::Reverse(flag.tier));
        let notice = self.notice(&flags);
        Assessment { flags, notice }
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
        quoted.sort_by_key(|flag| flag.span.start);
        let quoted: Vec<String> = quoted.iter().map(|flag| format!("\"{}\"", flag.matched)).collect();
        let mentioned = join_words(&quoted);
        // Safety wins over politeness: a negated mention still gets the notice, worded as a condition.
        let template = if flags.iter().all(|f| f.negated) { &notices.conditional } else { &notices.plain };
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

/// Replaces `{name}` with the word list `name` as a non-capturing group. Regex repetitions
/// such as `{0,40}` start with a digit and are left alone.
fn expand_words(pattern: &str, words: &BTreeMap<String, String>) -> Result<String, String> {
    static NAME: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"\{([A-Za-z_][A-Za-z0-9_]*)\}").expect("the placeholder pattern is valid"));
    if let Some(unknown) = NAME.captures_iter(pattern).map(|c| c[1].to_owned()).find(|name| !words.contains_key(name)) {
        return Err(format!("unknown word list {{{unknown}}}: define it under [words]"));
    }
    Ok(NAME.replace_all(pattern, |c: &regex::Captures<'_>| format!("(?:{})", words[&c[1]])).into_owned())
}

/// Compiles a staff pattern that uses no word lists (such as the not-covered topics'), as the
/// red-flag patterns are compiled: over normalised text, whole words, with a size limit.
pub(crate) fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    compile(pattern, &BTreeMap::new())
}

/// Compiles one staff pattern, with word lists expanded, whole-word boundaries around it, and
/// a size limit.
fn compile(pattern: &str, words: &BTreeMap<String, String>) -> Result<Regex, String> {
    let expanded = expand_words(pattern, words)?;
    RegexBuilder::new(&format!(r"\b(?:{expanded})\b"))
        .unicode(false)
        .size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .map_err(|e| format!("pattern does not compile: {}", first_line(&e.to_string())))
}

fn first_line(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines.last().map_or_else(String::new, |l| l.trim().trim_start_matches("error: ").to_owned())
}

/// The message as the patterns see it: lowercase ASCII, accents folded, apostrophes dropped
/// ("can't" -> "cant"), other punctuation, symbols and letters of other scripts as spaces,
/// letters repeated three times or more cut to two ("bladdder" -> "bladder"), spaces
/// collapsed. ASCII keeps the patterns' automata small, so a 100 KB message stays fast.
pub fn normalize(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut last: Option<char> = None;
    let mut run = 0;
    for c in message.nfkd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase) {
        let c = match c {
            '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{b4}' => continue,
            c if c.is_ascii_alphanumeric() => c,
            _ => ' ',
        };
        if c == ' ' && (last == Some(' ') || last.is_none()) {
            continue;
        }
        run = if Some(c) == last { run + 1 } else { 1 };
        if run > 2 && c.is_alphabetic() {
            continue;
        }
        out.push(c);
        last = Some(c);
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
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
    fn normalising_folds_case_accents_apostrophes_and_stutters() {
        assert_eq!(
            normalize("I CAN'T feel my Bladdder!!! Incontinance… naïve"),
            "i cant feel my bladder incontinance naive"
        );
        assert_eq!(normalize("  wee\u{200b}-wee  😀 8/10 "), "wee wee 8 10");
        assert_eq!(normalize("peeeeing"), "peeing");
    }

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
