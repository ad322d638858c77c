//! The clinic's content as data: reading `corpus/` into passages and synonyms, and every
//! problem a staff edit can introduce, reported as `FILE:LINE: message`.
//!
//! This module owns the Markdown and TOML formats and their validation. It knows nothing of
//! searching, scoring or replying: it hands the search engine a [`Corpus`] that is already
//! known to be valid.
//!
//! Format, in short (the README has the staff version):
//! - Every `*.md` file is a document. An optional `# Title` names it; `##` and `###` headings
//!   start sections. Each paragraph of a section is one passage; a paragraph that ends with
//!   `:` keeps the list that follows it; a list on its own is one passage.
//! - A file whose name starts with `faq` is a FAQ: each heading below the title is a question
//!   and everything under it, up to the next heading, is its answer (one passage).
//! - `synonyms.toml` maps the words people use to the words the content uses.
//! - `questions.toml` lists the questions each passage answers.
//! - `not_covered.toml` names the topics the content does not cover, and who does.
//!
//! A problem is an error (the corpus is refused) or a warning (it loads, and `check` and the
//! staff channel say what to fix): a passage without questions still answers, only less well.

mod markdown;
mod not_covered;
mod questions;
mod synonyms;

use std::fmt;
use std::path::{Path, PathBuf};

pub use not_covered::{Cue, NotCoveredTopic, MAX_REDIRECT_CHARS, NOT_COVERED_FILE};
pub use questions::QUESTIONS_FILE;
pub use synonyms::{SynonymEntry, Synonyms};

use markdown::CorpusBuilder;
use synonyms::parse_synonyms;

/// Files larger than this are rejected rather than read: a corpus is a few pages of text.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The name of the synonyms file inside the corpus folder.
pub const SYNONYMS_FILE: &str = "synonyms.toml";

/// One thing wrong with the corpus or the config, at a place a person can open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
    pub severity: Severity,
}

/// Whether a problem keeps a corpus version from going live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The version loads; the bot answers less well until it is fixed.
    Warning,
    /// The version is refused and the previous one keeps answering.
    Error,
}

impl Problem {
    pub fn new(file: &Path, line: usize, message: impl Into<String>) -> Problem {
        Problem { file: file.to_path_buf(), line, message: message.into(), severity: Severity::Error }
    }

    pub fn warning(file: &Path, line: usize, message: impl Into<String>) -> Problem {
        Problem { severity: Severity::Warning, ..Problem::new(file, line, message) }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Warning => "warning: ",
            Severity::Error => "",
        };
        write!(f, "{}:{}: {severity}{}", self.file.display(), self.line, self.message)
    }
}

/// Why a corpus could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("cannot read the corpus folder {}: {source}", path.display())]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("{} problem(s) in the corpus:\n{}", .0.len(), list_problems(.0))]
    Invalid(Vec<Problem>),
}

fn list_problems(problems: &[Problem]) -> String {
    problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n")
}

/// Where a passage starts: the label shown to users (`corpus/faq.md:7`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLocation {
    /// The file as users see it: the corpus folder's name and the file name.
    pub file: String,
    pub line: usize,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Whether a passage is a paragraph of an article or a whole FAQ entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassageKind {
    Article,
    Faq,
}

/// The unit the bot quotes: one paragraph (with its list) or one FAQ answer, word for word.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    /// Stable id: `faq/<question>` or `<file>/<section>/<n>`.
    pub id: String,
    /// The heading it sits under; for a FAQ entry, the question.
    pub section: String,
    /// What titles the paragraph within its section: a bold lead-in ("Location") or the
    /// sentence that introduces its list ("People with sciatica often feel").
    pub label: Option<String>,
    pub kind: PassageKind,
    /// The plain text, as quoted to users (lists as `- item` lines).
    pub text: String,
    pub source: SourceLocation,
    /// 1-based position among the passages of its section.
    pub position: usize,
    /// Index of its section in [`Corpus::sections`].
    pub section_index: usize,
    /// Questions it answers, from `questions.toml`; a FAQ entry's own question is its
    /// `section` and is not repeated here.
    pub questions: Vec<String>,
}

/// A heading and what it covers; the topics the bot lists when it has no answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub title: String,
    pub kind: PassageKind,
    /// True for top-level sections (`##` in an article, the questions of a FAQ), which are
    /// the topics offered to users.
    pub is_topic: bool,
    /// The heading's level: 2 for `##`, 3 for `###`...
    pub level: u8,
}

/// A whole, valid corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct Corpus {
    pub passages: Vec<Passage>,
    pub sections: Vec<Section>,
    pub synonyms: Synonyms,
    pub not_covered: Vec<NotCoveredTopic>,
    /// What `check` should tell staff about a corpus that loads all the same.
    pub warnings: Vec<Problem>,
}

impl Corpus {
    /// Reads and validates every file of the folder. Any error anywhere rejects the whole
    /// corpus, so that a half-valid edit never replaces a valid one; warnings are kept with it.
    pub fn load(dir: &Path) -> Result<Corpus, CorpusError> {
        let label =
            dir.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_else(|| "corpus".to_owned());
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|source| CorpusError::Unreadable { path: dir.to_path_buf(), source })?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
            .collect();
        files.sort();

        let mut problems = Vec::new();
        let mut builder = CorpusBuilder::default();
        for path in &files {
            match read_bounded(path) {
                Ok(text) => {
                    let kind = document_kind(path);
                    let shown = format!("{label}/{}", file_name(path));
                    builder.add_markdown(path, &shown, kind, &text, &mut problems);
                }
                Err(problem) => problems.push(problem),
            }
        }
        if builder.passages.is_empty() && problems.is_empty() {
            problems.push(Problem::new(dir, 1, "the corpus has no passages: add a Markdown file"));
        }

        let mut read_optional = |name: &str| -> Option<(PathBuf, String)> {
            let path = dir.join(name);
            if !path.exists() {
                return None;
            }
            read_bounded(&path).map_err(|problem| problems.push(problem)).ok().map(|text| (path, text))
        };
        let synonyms = read_optional(SYNONYMS_FILE);
        let questions = read_optional(QUESTIONS_FILE);
        let not_covered = read_optional(NOT_COVERED_FILE);
        let synonyms = synonyms.map(|(path, text)| parse_synonyms(&path, &text, &mut problems)).unwrap_or_default();
        let not_covered =
            not_covered.map(|(path, text)| not_covered::parse(&path, &text, &mut problems)).unwrap_or_default();
        let mut passages = builder.passages;
        // Questions are checked against the passages, which must be whole first.
        if problems.is_empty() {
            let (path, text) = questions.unwrap_or_else(|| (dir.join(QUESTIONS_FILE), String::new()));
            questions::attach(&path, &text, &mut passages, &mut problems);
        }

        problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        let (warnings, errors): (Vec<Problem>, Vec<Problem>) =
            problems.into_iter().partition(|p| p.severity == Severity::Warning);
        if errors.is_empty() {
            Ok(Corpus { passages, sections: builder.sections, synonyms, not_covered, warnings })
        } else {
            Err(CorpusError::Invalid(errors))
        }
    }

    /// The titles offered to users as things they can ask about.
    pub fn topics(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().filter(|s| s.is_topic).map(|s| s.title.as_str())
    }

    /// The topics with the sub-sections under each named after a colon ("5 Best Massage
    /// Techniques…: Deep Tissue Massage For Sciatica, …"): the techniques people come for are
    /// `###` sections, and a list of `##` titles alone would never name them.
    pub fn topics_in_full(&self) -> Vec<String> {
        let mut topics: Vec<String> = Vec::new();
        let mut under: Option<u8> = None;
        let mut subsections: Vec<&str> = Vec::new();
        let flush = |topics: &mut Vec<String>, subsections: &mut Vec<&str>| {
            if let (Some(topic), false) = (topics.last_mut(), subsections.is_empty()) {
                topic.push_str(": ");
                topic.push_str(&subsections.join(", "));
            }
            subsections.clear();
        };
        for section in &self.sections {
            if section.is_topic {
                flush(&mut topics, &mut subsections);
                topics.push(section.title.clone());
                under = Some(section.level);
            } else if under.is_some_and(|level| section.level == level + 1) {
                // "1. Deep Tissue Massage" is listed without its number.
                subsections.push(section.title.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.').trim());
            } else if under.is_some_and(|level| section.level <= level) {
                flush(&mut topics, &mut subsections);
                under = None;
            }
        }
        flush(&mut topics, &mut subsections);
        topics
    }

    /// A question to suggest as an example: the first FAQ question, if there is one.
    pub fn example_question(&self) -> Option<&str> {
        self.sections.iter().find(|s| s.kind == PassageKind::Faq && s.is_topic).map(|s| s.title.as_str())
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn document_kind(path: &Path) -> PassageKind {
    let stem = path.file_stem().map(|s| s.to_string_lossy().to_lowercase()).unwrap_or_default();
    if stem.starts_with("faq") {
        PassageKind::Faq
    } else {
        PassageKind::Article
    }
}

pub(crate) fn read_bounded(path: &Path) -> Result<String, Problem> {
    let size = std::fs::metadata(path).map_err(|e| Problem::new(path, 1, format!("cannot read: {e}")))?.len();
    if size > MAX_FILE_BYTES {
        return Err(Problem::new(
            path,
            1,
            format!("file is {size} bytes, over the limit of {MAX_FILE_BYTES}: split it or shorten it"),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| Problem::new(path, 1, format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let line = line_of(&String::from_utf8_lossy(e.as_bytes()), e.utf8_error().valid_up_to());
        Problem::new(path, line, "the file is not valid UTF-8 text: save it as UTF-8")
    })
}

/// A staff TOML file's contents, or the problem at the line where it stops parsing.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, Problem> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |span| line_of(text, span.start));
        Problem::new(path, line, format!("malformed TOML: {}", e.message()))
    })
}

/// 1-based line of a byte offset, for a single lookup: it scans the text up to the offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The lines of one text, for numbering many offsets in it: the newlines are found once and
/// each lookup is a binary search. Scanning from the start for every passage made loading a
/// file quadratic in its size (a third of a 10,000-passage reload).
pub(crate) struct Lines {
    newlines: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(text: &str) -> Lines {
        Lines { newlines: text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i).collect() }
    }

    /// 1-based line of a byte offset, as [`line_of`] counts it.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.newlines.partition_point(|&newline| newline < offset) + 1
    }
}

/// A lowercase, dash-separated form of a title, for ids.
pub fn slug(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn slugs_are_stable_and_readable() {
        assert_eq!(slug("Can massage make sciatica worse?"), "can-massage-make-sciatica-worse");
        assert_eq!(slug("  1. Deep Tissue -- Massage "), "1-deep-tissue-massage");
    }

    #[test]
    fn lines_number_every_offset_as_a_scan_would() {
        let text = "# Title\n\nfirst\r\n\n\nsecond é\nlast";
        let lines = Lines::new(text);
        for offset in 0..=text.len() + 3 {
            assert_eq!(lines.line(offset), line_of(text, offset), "offset {offset}");
        }
        assert_eq!(lines.line(text.find("second").unwrap()), 6);
        assert_eq!(Lines::new("").line(5), 1);
    }
}
