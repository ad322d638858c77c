//! `synonyms.toml`: the words people use, mapped to the words the content uses, as staff
//! wrote them. Whether each meaning occurs in the content is checked by the search engine,
//! which analyses both.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{parse_toml, Lines, Problem};

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymsFile {
    #[serde(default)]
    synonyms: BTreeMap<Spanned<String>, Spanned<Vec<String>>>,
}

pub(super) fn parse_synonyms(path: &Path, text: &str, problems: &mut Vec<Problem>) -> Synonyms {
    let file: SynonymsFile = match parse_toml(path, text) {
        Ok(file) => file,
        Err(problem) => {
            problems.push(problem);
            return Synonyms::default();
        }
    };
    let mut entries: Vec<SynonymEntry> = Vec::new();
    let lines = Lines::new(text);
    for (phrase, means) in file.synonyms {
        let line = lines.line(phrase.span().start);
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
    #[test]
    fn malformed_synonyms_name_the_line() {
        let mut problems = Vec::new();
        parse_synonyms(Path::new("s.toml"), "[synonyms]\nbum = [\"buttock\"]\nbutt = \n", &mut problems);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 3, "{}", problems[0]);
    }
}
