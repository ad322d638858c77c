//! FAQ edits made by staff from Discord: add, replace or remove one entry of `faq.md`.
//!
//! An edit never loses content and never half-applies: the whole corpus is validated with
//! the new file before anything is replaced, the previous file is copied to the history
//! folder, the new file is written beside the old one and renamed over it, and edits are
//! serialised. Only `<corpus>/faq.md` is ever written, whatever the text of the edit.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::corpus::{slug, Problem};
use crate::{Knowledge, LoadError};

/// The file edits go to, inside the corpus folder.
pub const FAQ_FILE: &str = "faq.md";
/// The temporary file a new version is written to before the rename; hidden, so neither the
/// corpus loader nor the folder watcher takes it for content.
const TEMPORARY_FILE: &str = ".faq.md.tmp";

/// One change to the FAQ. Entries are named by passage id (`faq/<question>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaqEdit {
    Add { question: String, answer: String },
    Replace { id: String, question: String, answer: String },
    Remove { id: String },
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("there is no FAQ entry {0}")]
    NotFound(String),
    #[error("the {0} is empty")]
    Empty(&'static str),
    #[error("the edit would break the corpus:\n{}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
    #[error("cannot {action} {}: {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },
}

fn io<'p>(action: &'static str, path: &'p Path) -> impl FnOnce(std::io::Error) -> EditError + 'p {
    move |source| EditError::Io { action, path: path.to_path_buf(), source }
}

/// The lock file beside `faq.md` that edits take turns on. Its name starts with a dot, so
/// neither the corpus loader nor the watcher reads it.
pub const LOCK_FILE: &str = ".faq.md.lock";

/// Validates and writes an edit, one at a time across every process sharing the corpus
/// folder: each waits for the lock beside `faq.md`, then reads the file as it is on disk
/// and validates against that, so no edit is made on a stale copy and lost. Blocking file
/// I/O: call it off the async runtime. Returns the passage id the edit touched.
pub fn apply(edit: &FaqEdit, config: &Config) -> Result<String, EditError> {
    let lock_path = config.corpus.dir.join(LOCK_FILE);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io("open the lock", &lock_path))?;
    // An flock: released when `lock` is closed, so also when a process dies mid-edit.
    lock.lock().map_err(io("wait for the lock", &lock_path))?;
    let path = config.corpus.dir.join(FAQ_FILE);
    let current = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "# Frequently Asked Questions\n".to_owned(),
        Err(e) => return Err(io("read", &path)(e)),
    };
    let (updated, id) = edited(&current, edit)?;
    validate(config, &updated)?;
    if path.exists() {
        keep_in_history(&path, &config.staff.history_dir)?;
    }
    replace_atomically(&path, &updated)?;
    Ok(id)
}

/// An entry as staff wrote it in `faq.md`: the question, and the answer's Markdown (links and
/// emphasis included), so an edit starts from the source, not from the plain text the bot quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaqSource {
    pub question: String,
    pub answer: String,
}

/// The source of entry `id` in `faq.md`, or `None` when it has no such entry (an article
/// passage is not a FAQ entry). Blocking file I/O: call it off the async runtime.
pub fn source(config: &Config, id: &str) -> Result<Option<FaqSource>, EditError> {
    let path = config.corpus.dir.join(FAQ_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("read", &path)(e)),
    };
    let lines: Vec<&str> = text.lines().collect();
    Ok(entries(&text).into_iter().find(|e| e.id == id).map(|entry| FaqSource {
        question: lines[entry.lines.start].trim_start_matches('#').trim().to_owned(),
        answer: lines[entry.lines.start + 1..entry.lines.end].join("\n").trim().to_owned(),
    }))
}

/// The FAQ text with the edit made, and the id of the entry.
fn edited(text: &str, edit: &FaqEdit) -> Result<(String, String), EditError> {
    let entries = entries(text);
    match edit {
        FaqEdit::Add { question, answer } => {
            let entry = render(question, answer)?;
            let mut updated = text.trim_end().to_owned();
            updated.push_str("\n\n");
            updated.push_str(&entry);
            Ok((updated, faq_id(question)))
        }
        FaqEdit::Replace { id, question, answer } => {
            let range =
                entries.iter().find(|e| e.id == *id).ok_or_else(|| EditError::NotFound(id.clone()))?.lines.clone();
            let entry = render(question, answer)?;
            Ok((splice(text, range, &entry), faq_id(question)))
        }
        FaqEdit::Remove { id } => {
            let range =
                entries.iter().find(|e| e.id == *id).ok_or_else(|| EditError::NotFound(id.clone()))?.lines.clone();
            Ok((splice(text, range, ""), id.clone()))
        }
    }
}

struct Entry {
    id: String,
    /// The lines of the entry, its heading first.
    lines: std::ops::Range<usize>,
}

/// The FAQ's entries: each `##` heading and the lines up to the next heading.
fn entries(text: &str) -> Vec<Entry> {
    let lines: Vec<&str> = text.lines().collect();
    let headings: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].starts_with("## ")).collect();
    headings
        .iter()
        .enumerate()
        .map(|(n, &start)| {
            let end = headings.get(n + 1).copied().unwrap_or(lines.len());
            Entry { id: faq_id(lines[start].trim_start_matches('#').trim()), lines: start..end }
        })
        .collect()
}

fn faq_id(question: &str) -> String {
    format!("faq/{}", slug(question))
}

/// The text with lines `range` replaced by `entry`.
fn splice(text: &str, range: std::ops::Range<usize>, entry: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = lines[..range.start].iter().map(|l| l.to_string()).collect();
    if !entry.is_empty() {
        out.extend(entry.trim_end().lines().map(str::to_owned));
        out.push(String::new());
    }
    out.extend(lines[range.end..].iter().map(|l| l.to_string()));
    let mut joined = out.join("\n").trim_end().to_owned();
    joined.push('\n');
    joined
}

/// A question and answer as Markdown. The question is one line; answer lines that would
/// start a heading are escaped, so an answer can never create entries of its own.
fn render(question: &str, answer: &str) -> Result<String, EditError> {
    let question = question.split_whitespace().collect::<Vec<_>>().join(" ");
    let question = question.trim_start_matches('#').trim();
    if question.is_empty() {
        return Err(EditError::Empty("question"));
    }
    let answer: Vec<String> = answer
        .trim()
        .lines()
        .map(|line| {
            if line.trim_start().starts_with('#') {
                format!("\\{}", line.trim_start())
            } else {
                line.trim_end().to_owned()
            }
        })
        .collect();
    if answer.iter().all(|l| l.trim().is_empty()) {
        return Err(EditError::Empty("answer"));
    }
    Ok(format!("## {question}\n\n{}\n", answer.join("\n")))
}

/// Checks the whole corpus, with the new FAQ in place, in a scratch copy: every problem a
/// load would find, without building the index or reading vectors (the reload that follows
/// the write does that once).
fn validate(config: &Config, faq: &str) -> Result<(), EditError> {
    let scratch = tempfile::tempdir().map_err(io("create a scratch folder in", &std::env::temp_dir()))?;
    for entry in std::fs::read_dir(&config.corpus.dir).map_err(io("read", &config.corpus.dir))? {
        let from = entry.map_err(io("read", &config.corpus.dir))?.path();
        if from.is_file() {
            let name = from.file_name().expect("a file has a name");
            std::fs::copy(&from, scratch.path().join(name)).map_err(io("copy", &from))?;
        }
    }
    std::fs::write(scratch.path().join(FAQ_FILE), faq).map_err(io("write", scratch.path()))?;
    let mut trial = config.clone();
    trial.corpus.dir = scratch.path().to_path_buf();
    match Knowledge::validate(&trial) {
        Ok(_) => Ok(()),
        Err(LoadError::Invalid(problems)) => Err(EditError::Invalid(
            problems
                .into_iter()
                .map(|p| Problem { file: config.corpus.dir.join(p.file.file_name().unwrap_or_default()), ..p })
                .collect(),
        )),
        Err(error) => Err(EditError::Invalid(vec![Problem::new(&config.corpus.dir, 1, error.to_string())])),
    }
}

fn keep_in_history(path: &Path, history: &Path) -> Result<(), EditError> {
    std::fs::create_dir_all(history).map_err(io("create", history))?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ");
    let kept = history.join(format!("faq-{stamp}.md"));
    std::fs::copy(path, &kept).map_err(io("keep a copy of", path))?;
    Ok(())
}

/// Writes beside the file, flushes, then renames over it: readers see the old or the new
/// file, never a part of one.
fn replace_atomically(path: &Path, text: &str) -> Result<(), EditError> {
    let temporary = path.with_file_name(TEMPORARY_FILE);
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        std::io::Write::write_all(&mut file, text.as_bytes())?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(io("write", &temporary)(e));
    }
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        io("replace", path)(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAQ: &str = "# FAQ\n\n## Is it safe?\n\nYes.\n\n## Does it hurt?\n\nA little.\n";

    #[test]
    fn edits_change_only_their_entry() {
        let add = FaqEdit::Add { question: "Can I  bring\na friend?".into(), answer: "Yes.\n# not a heading".into() };
        let (text, id) = edited(FAQ, &add).unwrap();
        assert_eq!(id, "faq/can-i-bring-a-friend");
        assert!(text.ends_with("## Is it safe?\n\nYes.\n\n## Does it hurt?\n\nA little.\n\n## Can I bring a friend?\n\nYes.\n\\# not a heading\n"), "{text}");

        let replace = FaqEdit::Replace {
            id: "faq/is-it-safe".into(),
            question: "Is it safe for me?".into(),
            answer: "Mostly.".into(),
        };
        let (text, _) = edited(FAQ, &replace).unwrap();
        assert_eq!(text, "# FAQ\n\n## Is it safe for me?\n\nMostly.\n\n## Does it hurt?\n\nA little.\n");

        let (text, _) = edited(FAQ, &FaqEdit::Remove { id: "faq/does-it-hurt".into() }).unwrap();
        assert_eq!(text, "# FAQ\n\n## Is it safe?\n\nYes.\n");
    }

    #[test]
    fn concurrent_edits_are_serialised_and_none_is_lost() {
        let corpus = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir("corpus").unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, corpus.path().join(path.file_name().unwrap())).unwrap();
        }
        let history = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.corpus.dir = corpus.path().to_path_buf();
        config.staff.history_dir = history.path().to_path_buf();
        std::thread::scope(|scope| {
            for n in 0..4 {
                let config = &config;
                scope.spawn(move || {
                    let edit = FaqEdit::Add { question: format!("Question {n}?"), answer: format!("Answer {n}.") };
                    apply(&edit, config).unwrap();
                });
            }
        });
        let faq = std::fs::read_to_string(corpus.path().join(FAQ_FILE)).unwrap();
        for n in 0..4 {
            assert!(faq.contains(&format!("## Question {n}?\n\nAnswer {n}.")), "{faq}");
        }
        assert_eq!(std::fs::read_dir(history.path()).unwrap().count(), 4, "each edit kept the file it replaced");
        assert!(!corpus.path().join(TEMPORARY_FILE).exists());
    }

    #[test]
    fn the_source_of_an_entry_keeps_its_markdown() {
        let corpus = tempfile::tempdir().unwrap();
        let faq = "# FAQ\n\n## Can I book online?\n\nYes, on [our booking page](https://example.com/book).\n\n*Thanks!*\n\n## Other?\n\nNo.\n";
        std::fs::write(corpus.path().join(FAQ_FILE), faq).unwrap();
        let mut config = Config::default();
        config.corpus.dir = corpus.path().to_path_buf();
        let entry = source(&config, "faq/can-i-book-online").unwrap().unwrap();
        assert_eq!(entry.question, "Can I book online?");
        assert_eq!(entry.answer, "Yes, on [our booking page](https://example.com/book).\n\n*Thanks!*");
        assert_eq!(source(&config, "article/massage").unwrap(), None);
    }

    #[test]
    fn missing_entries_and_empty_fields_are_refused() {
        assert!(matches!(edited(FAQ, &FaqEdit::Remove { id: "faq/nope".into() }), Err(EditError::NotFound(_))));
        let empty = FaqEdit::Add { question: " ## ".into(), answer: "x".into() };
        assert!(matches!(edited(FAQ, &empty), Err(EditError::Empty("question"))));
        let empty = FaqEdit::Add { question: "Q?".into(), answer: "\n \n".into() };
        assert!(matches!(edited(FAQ, &empty), Err(EditError::Empty("answer"))));
    }
}
