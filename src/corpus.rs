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

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde::Deserialize;
use toml::Spanned;

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
}

impl Problem {
    pub fn new(file: &Path, line: usize, message: impl Into<String>) -> Problem {
        Problem { file: file.to_path_buf(), line, message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
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
}

/// A heading and what it covers; the topics the bot lists when it has no answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub title: String,
    pub kind: PassageKind,
    /// True for top-level sections (`##` in an article, the questions of a FAQ), which are
    /// the topics offered to users.
    pub is_topic: bool,
}

/// Lay wording mapped to the content's wording, as staff wrote it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Synonyms {
    /// `(what people say, what the content says)`, in file order.
    pub entries: Vec<SynonymEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SynonymEntry {
    pub phrase: String,
    pub means: Vec<String>,
    pub line: usize,
}

/// A whole, valid corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct Corpus {
    pub passages: Vec<Passage>,
    pub sections: Vec<Section>,
    pub synonyms: Synonyms,
}

impl Corpus {
    /// Reads and validates every file of the folder. Any problem anywhere rejects the whole
    /// corpus, so that a half-valid edit never replaces a valid one.
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

        let synonyms_path = dir.join(SYNONYMS_FILE);
        let synonyms = if synonyms_path.exists() {
            match read_bounded(&synonyms_path) {
                Ok(text) => parse_synonyms(&synonyms_path, &text, &mut problems),
                Err(problem) => {
                    problems.push(problem);
                    Synonyms::default()
                }
            }
        } else {
            Synonyms::default()
        };

        problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        if problems.is_empty() {
            Ok(Corpus { passages: builder.passages, sections: builder.sections, synonyms })
        } else {
            Err(CorpusError::Invalid(problems))
        }
    }

    /// The titles offered to users as things they can ask about.
    pub fn topics(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().filter(|s| s.is_topic).map(|s| s.title.as_str())
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

fn read_bounded(path: &Path) -> Result<String, Problem> {
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

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
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

/// The block-level shape of a Markdown file, with inline formatting reduced to plain text.
#[derive(Debug)]
enum Block {
    Heading {
        level: HeadingLevel,
        text: String,
        line: usize,
    },
    Paragraph {
        text: String,
        /// A bold lead-in such as "**Location:**", which works as a small heading.
        label: Option<String>,
        line: usize,
    },
    List {
        items: Vec<String>,
        line: usize,
    },
    Unsupported {
        what: &'static str,
        line: usize,
    },
}

fn parse_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut buffer = String::new();
    let mut items: Vec<String> = Vec::new();
    let mut list_depth = 0usize;
    let mut ordered_numbers: Vec<Option<u64>> = Vec::new();
    let mut block_start = 0usize;
    let mut skip_depth = 0usize;
    let mut label: Option<String> = None;
    let mut in_label = false;

    for (event, range) in Parser::new(text).into_offset_iter() {
        if skip_depth > 0 {
            match event {
                Event::Start(_) => skip_depth += 1,
                Event::End(_) => skip_depth -= 1,
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::Heading { .. }) | Event::Start(Tag::Paragraph) if list_depth == 0 => {
                buffer.clear();
                label = None;
                block_start = range.start;
            }
            Event::End(TagEnd::Heading(level)) => {
                blocks.push(Block::Heading { level, text: buffer.trim().to_owned(), line: line_of(text, block_start) })
            }
            Event::End(TagEnd::Paragraph) if list_depth == 0 => blocks.push(Block::Paragraph {
                text: buffer.trim().to_owned(),
                label: label.take(),
                line: line_of(text, block_start),
            }),
            Event::Start(Tag::Strong) if list_depth == 0 && buffer.is_empty() => in_label = true,
            Event::End(TagEnd::Strong) if list_depth == 0 && std::mem::take(&mut in_label) => {
                let lead = buffer.trim();
                if let Some(name) = lead.strip_suffix(':') {
                    label = Some(name.trim().to_owned());
                }
            }
            Event::Start(Tag::List(first_number)) => {
                if list_depth == 0 {
                    items.clear();
                    block_start = range.start;
                }
                list_depth += 1;
                ordered_numbers.push(first_number);
            }
            Event::End(TagEnd::List(_)) => {
                list_depth -= 1;
                ordered_numbers.pop();
                if list_depth == 0 {
                    blocks.push(Block::List { items: std::mem::take(&mut items), line: line_of(text, block_start) });
                }
            }
            Event::Start(Tag::Item) => {
                let indent = "  ".repeat(list_depth.saturating_sub(1));
                let marker = match ordered_numbers.last_mut() {
                    Some(Some(n)) => {
                        let marker = format!("{n}.");
                        *n += 1;
                        marker
                    }
                    _ => "-".to_owned(),
                };
                items.push(format!("{indent}{marker} "));
            }
            Event::Start(Tag::CodeBlock(_)) if list_depth == 0 => {
                buffer.clear();
                block_start = range.start;
            }
            Event::End(TagEnd::CodeBlock) if list_depth == 0 => blocks.push(Block::Paragraph {
                text: buffer.trim().to_owned(),
                label: None,
                line: line_of(text, block_start),
            }),
            Event::Start(Tag::Table(_)) => {
                skip_depth = 1;
                blocks.push(Block::Unsupported { what: "a table", line: line_of(text, range.start) });
            }
            Event::Start(Tag::HtmlBlock) | Event::Start(Tag::Image { .. }) => skip_depth = 1,
            Event::Text(t) | Event::Code(t) => push_inline(&mut buffer, &mut items, list_depth, &t),
            Event::SoftBreak => push_inline(&mut buffer, &mut items, list_depth, " "),
            Event::HardBreak => push_inline(&mut buffer, &mut items, list_depth, "\n"),
            _ => {}
        }
    }
    blocks
}

fn push_inline(buffer: &mut String, items: &mut [String], list_depth: usize, text: &str) {
    match items.last_mut() {
        Some(item) if list_depth > 0 => item.push_str(text),
        _ => buffer.push_str(text),
    }
}

#[derive(Default)]
struct CorpusBuilder {
    passages: Vec<Passage>,
    sections: Vec<Section>,
    /// Lowercased heading -> where it first appeared, to report duplicates.
    headings: HashMap<String, (PathBuf, usize)>,
    ids: HashMap<String, (PathBuf, usize)>,
}

/// The passages being gathered under one heading.
struct OpenSection {
    title: String,
    level: HeadingLevel,
    line: usize,
    id_prefix: String,
    index: usize,
    passages: Vec<Draft>,
    /// Whether a sub-heading followed, so an empty body is fine.
    has_children: bool,
    /// A repeated heading, already reported: its passages are checked but not kept.
    duplicate: bool,
}

impl CorpusBuilder {
    fn add_markdown(&mut self, path: &Path, shown: &str, kind: PassageKind, text: &str, problems: &mut Vec<Problem>) {
        let stem = path.file_stem().map(|s| slug(&s.to_string_lossy())).unwrap_or_default();
        let mut title_seen = false;
        let mut open: Option<OpenSection> = None;
        let mut pending_lead: Option<Draft> = None;

        for block in parse_blocks(text) {
            match block {
                Block::Heading { level, text: title, line } => {
                    self.flush_lead(&mut open, &mut pending_lead);
                    if let Some(section) = open.as_mut() {
                        section.has_children |= level > section.level;
                    }
                    self.close(open.take(), path, shown, kind, problems);
                    if title.is_empty() {
                        problems.push(Problem::new(path, line, "empty heading"));
                        continue;
                    }
                    if level == HeadingLevel::H1 {
                        if title_seen {
                            problems.push(Problem::new(path, line, "a second `# title`: use `##` for sections"));
                            continue;
                        }
                        title_seen = true;
                        // Lead paragraphs under the title introduce the document; FAQ titles have none.
                        if kind == PassageKind::Article {
                            open = Some(self.open_section(title, level, line, format!("{stem}/intro"), kind, false));
                        }
                        continue;
                    }
                    let key = title.to_lowercase();
                    let first = self.headings.get(&key).cloned();
                    if let Some((first_file, first_line)) = &first {
                        problems.push(Problem::new(
                            path,
                            line,
                            format!("duplicate heading \"{title}\" (first at {}:{first_line})", first_file.display()),
                        ));
                    } else {
                        self.headings.insert(key, (path.to_path_buf(), line));
                    }
                    let is_topic = level == HeadingLevel::H2 || kind == PassageKind::Faq;
                    let prefix = format!("{stem}/{}", slug(&title));
                    let mut section = self.open_section(title, level, line, prefix, kind, is_topic && first.is_none());
                    section.duplicate = first.is_some();
                    open = Some(section);
                }
                Block::Paragraph { line, .. } | Block::List { line, .. } if open.is_none() => {
                    problems.push(Problem::new(
                        path,
                        line,
                        "text outside any section: put a `## heading` (or a FAQ question) above it",
                    ));
                }
                Block::Paragraph { text, label, line } => {
                    self.flush_lead(&mut open, &mut pending_lead);
                    if text.is_empty() {
                        continue;
                    }
                    let section = open.as_mut().expect("checked above");
                    let draft = Draft { text, label, line };
                    if kind == PassageKind::Faq {
                        append_to_answer(section, draft);
                    } else if draft.text.ends_with(':') {
                        pending_lead = Some(draft);
                    } else {
                        section.passages.push(draft);
                    }
                }
                Block::List { items, line } => {
                    let list = items.iter().map(|i| i.trim_end()).collect::<Vec<_>>().join("\n");
                    let section = open.as_mut().expect("checked above");
                    match pending_lead.take() {
                        Some(mut lead) => {
                            // The sentence that introduces a list says what the list is.
                            lead.label = lead.label.or_else(|| Some(last_sentence(&lead.text).to_owned()));
                            lead.text = format!("{}\n{list}", lead.text);
                            section.passages.push(lead);
                        }
                        None => {
                            let draft = Draft { text: list, label: None, line };
                            match kind {
                                PassageKind::Faq => append_to_answer(section, draft),
                                PassageKind::Article => section.passages.push(draft),
                            }
                        }
                    }
                }
                Block::Unsupported { what, line } => {
                    problems.push(Problem::new(path, line, format!("{what} is not supported: write it as a list")));
                }
            }
        }
        self.flush_lead(&mut open, &mut pending_lead);
        self.close(open, path, shown, kind, problems);
    }

    fn open_section(
        &mut self,
        title: String,
        level: HeadingLevel,
        line: usize,
        id_prefix: String,
        kind: PassageKind,
        is_topic: bool,
    ) -> OpenSection {
        self.sections.push(Section { title: title.clone(), kind, is_topic });
        OpenSection {
            title,
            level,
            line,
            id_prefix,
            index: self.sections.len() - 1,
            passages: Vec::new(),
            has_children: false,
            duplicate: false,
        }
    }

    /// A paragraph ending in `:` with no list after it is still a passage of its own.
    fn flush_lead(&mut self, open: &mut Option<OpenSection>, pending_lead: &mut Option<Draft>) {
        if let (Some(section), Some(lead)) = (open.as_mut(), pending_lead.take()) {
            section.passages.push(lead);
        }
    }

    fn close(
        &mut self,
        open: Option<OpenSection>,
        path: &Path,
        shown: &str,
        kind: PassageKind,
        problems: &mut Vec<Problem>,
    ) {
        let Some(section) = open else { return };
        if section.passages.is_empty() {
            if !section.has_children && !section.id_prefix.ends_with("/intro") {
                let message = match kind {
                    PassageKind::Faq => format!("the question \"{}\" has no answer", section.title),
                    PassageKind::Article => format!("the section \"{}\" is empty", section.title),
                };
                problems.push(Problem::new(path, section.line, message));
            }
            return;
        }
        if section.duplicate {
            return;
        }
        for (position, Draft { text, label, line }) in section.passages.into_iter().enumerate() {
            let position = position + 1;
            let id = match kind {
                PassageKind::Faq => section.id_prefix.clone(),
                PassageKind::Article => format!("{}/{position}", section.id_prefix),
            };
            if let Some((first_file, first_line)) = self.ids.get(&id) {
                problems.push(Problem::new(
                    path,
                    line,
                    format!(
                        "duplicate passage id \"{id}\" (first at {}:{first_line}): rename a heading",
                        first_file.display()
                    ),
                ));
                continue;
            }
            self.ids.insert(id.clone(), (path.to_path_buf(), line));
            self.passages.push(Passage {
                id,
                section: section.title.clone(),
                label,
                kind,
                text,
                source: SourceLocation { file: shown.to_owned(), line },
                position,
                section_index: section.index,
            });
        }
    }
}

/// The last sentence of a paragraph, without its closing punctuation.
fn last_sentence(text: &str) -> &str {
    let text = text.trim_end_matches([':', '.', ' ']);
    let start = text.rfind(['.', '!', '?']).map_or(0, |i| i + 1);
    text[start..].trim()
}

/// A passage before it gets its id.
struct Draft {
    text: String,
    label: Option<String>,
    line: usize,
}

/// A FAQ answer is everything under its question, paragraphs and lists alike.
fn append_to_answer(section: &mut OpenSection, draft: Draft) {
    match section.passages.first_mut() {
        Some(answer) => {
            answer.text.push_str("\n\n");
            answer.text.push_str(&draft.text);
        }
        None => section.passages.push(Draft { label: None, ..draft }),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymsFile {
    #[serde(default)]
    synonyms: BTreeMap<Spanned<String>, Spanned<Vec<String>>>,
}

fn parse_synonyms(path: &Path, text: &str, problems: &mut Vec<Problem>) -> Synonyms {
    let file: SynonymsFile = match toml::from_str(text) {
        Ok(file) => file,
        Err(e) => {
            let line = e.span().map_or(1, |span| line_of(text, span.start));
            problems.push(Problem::new(path, line, format!("malformed TOML: {}", e.message())));
            return Synonyms::default();
        }
    };
    let mut entries: Vec<SynonymEntry> = Vec::new();
    for (phrase, means) in file.synonyms {
        let line = line_of(text, phrase.span().start);
        let phrase = phrase.into_inner().trim().to_owned();
        let means: Vec<String> = means.into_inner().into_iter().map(|m| m.trim().to_owned()).collect();
        if phrase.is_empty() {
            problems.push(Problem::new(path, line, "empty synonym"));
        } else if means.is_empty() || means.iter().any(String::is_empty) {
            problems.push(Problem::new(path, line, format!("\"{phrase}\" needs at least one non-empty meaning")));
        } else {
            entries.push(SynonymEntry { phrase, means, line });
        }
    }
    entries.sort_by_key(|e| e.line);
    Synonyms { entries }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(name: &str, text: &str) -> (Vec<Passage>, Vec<Problem>) {
        let mut builder = CorpusBuilder::default();
        let mut problems = Vec::new();
        let path = PathBuf::from(name);
        builder.add_markdown(&path, &format!("corpus/{name}"), document_kind(&path), text, &mut problems);
        (builder.passages, problems)
    }

    #[test]
    fn a_lead_sentence_keeps_its_list() {
        let (passages, problems) = build("a.md", "# T\n\n## Causes\n\nIt has reasons:\n\n- one\n- two\n\nAfter.\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(passages.len(), 2);
        assert_eq!(passages[0].text, "It has reasons:\n- one\n- two");
        assert_eq!(passages[0].id, "a/causes/1");
        assert_eq!(passages[0].label.as_deref(), Some("It has reasons"));
        assert_eq!(passages[0].source.to_string(), "corpus/a.md:5");
        assert_eq!(passages[1].text, "After.");
        assert_eq!(passages[1].position, 2);
    }

    #[test]
    fn inline_markup_is_reduced_to_its_words() {
        let (passages, _) = build("a.md", "## S\n\n**Size:** it is *the* [longest](x)\nnerve.\n");
        assert_eq!(passages[0].text, "Size: it is the longest nerve.");
    }

    #[test]
    fn a_faq_entry_is_its_whole_answer() {
        let (passages, problems) = build("faq.md", "# FAQ\n\n## Is it ok?\n\nYes.\n\nMostly:\n\n- a\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(passages.len(), 1);
        assert_eq!(passages[0].id, "faq/is-it-ok");
        assert_eq!(passages[0].section, "Is it ok?");
        assert_eq!(passages[0].text, "Yes.\n\nMostly:\n\n- a");
    }

    #[test]
    fn problems_name_the_line() {
        let (_, mut problems) = build("faq.md", "Stray text.\n\n## Q one?\n\n## Q one?\n\nA.\n");
        problems.sort_by_key(|p| p.line);
        let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            shown,
            vec![
                "faq.md:1: text outside any section: put a `## heading` (or a FAQ question) above it",
                "faq.md:3: the question \"Q one?\" has no answer",
                "faq.md:5: duplicate heading \"Q one?\" (first at faq.md:3)",
            ]
        );
    }

    #[test]
    fn slugs_are_stable_and_readable() {
        assert_eq!(slug("Can massage make sciatica worse?"), "can-massage-make-sciatica-worse");
        assert_eq!(slug("  1. Deep Tissue -- Massage "), "1-deep-tissue-massage");
    }

    #[test]
    fn malformed_synonyms_name_the_line() {
        let mut problems = Vec::new();
        parse_synonyms(Path::new("s.toml"), "[synonyms]\nbum = [\"buttock\"]\nbutt = \n", &mut problems);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 3, "{}", problems[0]);
    }
}
