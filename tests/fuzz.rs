//! Property tests over the whole question path and the corpus parser: whatever comes in, no
//! panic, every reply within Discord's limit, and no reply that could ping anyone. The case
//! count is `PROPTEST_CASES` (default here 1,000 for the question path; raise it for long
//! runs, as the README says). Failing cases proptest finds are saved under
//! `proptest-regressions/` and replayed first on every run.

use std::sync::LazyLock;

use proptest::prelude::*;
use sciatica_bot::config::{Config, ReplyConfig};
use sciatica_bot::corpus::Corpus;
use sciatica_bot::reply::MAX_REPLY_CHARS;
use sciatica_bot::Knowledge;

/// `PROPTEST_CASES` when set, for long runs; otherwise `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

static KNOWLEDGE: LazyLock<Knowledge> = LazyLock::new(|| Knowledge::open(&Config::default()).unwrap());

/// Words people use, red-flag words, query syntax, mention strings and odd characters.
fn pieces() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("sciatica".to_owned()),
        Just("massage".to_owned()),
        Just("bum".to_owned()),
        Just("theragun".to_owned()),
        Just("wet myself".to_owned()),
        Just("numb down there".to_owned()),
        Just("both legs".to_owned()),
        Just("AND ( \" * ^ title: -x".to_owned()),
        Just("@everyone".to_owned()),
        Just("@here".to_owned()),
        Just("<@123456789012345678>".to_owned()),
        Just("<@&42>".to_owned()),
        Just("\u{202e}\u{200b}".to_owned()),
        Just("🙂".to_owned()),
        "\\PC{0,20}",
        any::<String>(),
    ]
}

fn check_reply(question: &str) -> Result<(), TestCaseError> {
    let response = sciatica_bot::respond(&KNOWLEDGE, &ReplyConfig::default(), question);
    prop_assert!(response.reply.chars().count() <= MAX_REPLY_CHARS);
    for ping in ["@everyone", "@here", "<@"] {
        prop_assert!(!response.reply.contains(ping), "the reply holds {ping}: {}", response.reply);
    }
    if let Some(answer) = &response.answer {
        prop_assert!(KNOWLEDGE.engine.corpus().passages.iter().any(|p| p.id == answer.id && p.text == answer.passage));
    }
    if let Some(notice) = &response.notice {
        prop_assert!(response.reply.starts_with(notice.as_str()));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(1000)))]

    #[test]
    fn any_text_gets_a_bounded_reply_that_pings_nobody(question in any::<String>()) {
        check_reply(&question)?;
    }

    #[test]
    fn mixtures_of_real_words_syntax_and_mentions_too(parts in prop::collection::vec(pieces(), 0..40)) {
        check_reply(&parts.join(" "))?;
    }
}

/// Markdown-like text: headings, lists, emphasis, colons, blank lines and anything else.
fn markdown() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("# Title".to_owned()),
        Just("## A question?".to_owned()),
        Just("### Sub".to_owned()),
        Just("- item".to_owned()),
        Just("1. item".to_owned()),
        Just("It has reasons:".to_owned()),
        Just("**Label:** text".to_owned()),
        Just("| a | b |\n|---|---|\n| 1 | 2 |".to_owned()),
        Just("```\ncode\n```".to_owned()),
        Just("<!-- note -->".to_owned()),
        Just(String::new()),
        "\\PC{0,40}",
    ];
    prop::collection::vec(line, 0..30).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(300)))]

    #[test]
    fn the_corpus_parser_never_panics_and_keeps_only_real_passages(faq in markdown(), article in markdown()) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("faq.md"), &faq).unwrap();
        std::fs::write(dir.path().join("article.md"), &article).unwrap();
        if let Ok(corpus) = Corpus::load(dir.path()) {
            for passage in &corpus.passages {
                prop_assert!(!passage.text.trim().is_empty());
                prop_assert!(!passage.section.trim().is_empty());
                prop_assert!(passage.source.line >= 1);
            }
        }
    }
}
