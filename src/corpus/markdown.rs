//! The Markdown of the corpus: headings, paragraphs and lists turned into passages, with
//! every structural problem (text outside a section, an empty answer, a repeated heading, a
//! table) reported at its line. Inline formatting is reduced to plain text.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use super::{slug, Lines, Passage, PassageKind, Problem, Section, SourceLocation};

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
    let lines = Lines::new(text);
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
                blocks.push(Block::Heading { level, text: buffer.trim().to_owned(), line: lines.line(block_start) })
            }
            Event::End(TagEnd::Paragraph) if list_depth == 0 => blocks.push(Block::Paragraph {
                text: buffer.trim().to_owned(),
                label: label.take(),
                line: lines.line(block_start),
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
                    blocks.push(Block::List { items: std::mem::take(&mut items), line: lines.line(block_start) });
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
                line: lines.line(block_start),
            }),
            Event::Start(Tag::Table(_)) => {
                skip_depth = 1;
                blocks.push(Block::Unsupported { what: "a table", line: lines.line(range.start) });
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
pub(super) struct CorpusBuilder {
    pub(super) passages: Vec<Passage>,
    pub(super) sections: Vec<Section>,
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
    pub(super) fn add_markdown(
        &mut self,
        path: &Path,
        shown: &str,
        kind: PassageKind,
        text: &str,
        problems: &mut Vec<Problem>,
    ) {
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
        self.sections.push(Section { title: title.clone(), kind, is_topic, level: level as u8 });
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
                questions: Vec::new(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::document_kind;

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
}
