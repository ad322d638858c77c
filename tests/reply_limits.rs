//! Whatever the corpus holds, a reply fits Discord's 2,000 characters, cut at a sentence
//! boundary and never mid-word.

use sciatica_bot::config::{Config, ReplyConfig};
use sciatica_bot::reply::MAX_REPLY_CHARS;
use sciatica_bot::Knowledge;

/// A corpus of one FAQ file and the shipped red-flag rules.
fn engine_with(faq: &str) -> (tempfile::TempDir, Knowledge) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("faq.md"), faq).unwrap();
    std::fs::copy("corpus/red_flags.toml", dir.path().join("red_flags.toml")).unwrap();
    let mut config = Config::default();
    config.corpus.dir = dir.path().to_path_buf();
    let knowledge = Knowledge::open(&config).unwrap();
    (dir, knowledge)
}

#[test]
fn a_very_long_passage_is_cut_at_a_sentence_end() {
    let sentence = "Gentle stretching of the piriformis muscle eases the sciatic nerve over several weeks. ";
    let answer = sentence.repeat(60);
    let (_dir, engine) = engine_with(&format!("# FAQ\n\n## Does stretching the piriformis help?\n\n{answer}\n"));
    let response = sciatica_bot::respond(&engine, &ReplyConfig::default(), "does stretching the piriformis help");
    assert!(response.answer.is_some());
    let reply = response.reply;
    assert!(reply.chars().count() <= MAX_REPLY_CHARS, "{} characters", reply.chars().count());
    assert!(reply.contains("weeks. […]"), "cut after a full sentence: {reply}");
    assert!(reply.contains("Source: "), "the source survives the cut");
    assert!(reply.contains("not medical advice"), "the disclaimer survives the cut");
}

#[test]
fn a_passage_without_sentence_ends_is_cut_between_words() {
    let answer = "piriformis stretching helps ".repeat(120);
    let (_dir, engine) = engine_with(&format!("# FAQ\n\n## Does stretching the piriformis help?\n\n{answer}\n"));
    let reply = sciatica_bot::respond(&engine, &ReplyConfig::default(), "piriformis stretching").reply;
    assert!(reply.chars().count() <= MAX_REPLY_CHARS);
    let quoted = reply.lines().find(|l| l.starts_with("> ")).unwrap();
    assert!(quoted.ends_with("[…]"));
    let last_word = quoted.trim_end_matches(" […]").rsplit(' ').next().unwrap();
    assert!(["piriformis", "stretching", "helps"].contains(&last_word), "cut mid-word: {last_word}");
}

#[test]
fn multibyte_text_is_cut_on_character_boundaries() {
    let answer = "Le nerf sciatique é😀ü douleur. ".repeat(200);
    let (_dir, engine) = engine_with(&format!("# FAQ\n\n## Nerf sciatique douleur?\n\n{answer}\n"));
    let reply = sciatica_bot::respond(&engine, &ReplyConfig::default(), "nerf sciatique douleur").reply;
    assert!(reply.chars().count() <= MAX_REPLY_CHARS);
    assert!(reply.contains("douleur. […]"), "{reply}");
}

#[test]
fn the_notice_is_never_cut_and_the_passage_makes_room_for_it() {
    let answer = "Gentle stretching of the piriformis eases the sciatic nerve over several weeks. ".repeat(60);
    let (_dir, engine) = engine_with(&format!("# FAQ\n\n## Does stretching the piriformis help?\n\n{answer}\n"));
    let message = "does stretching the piriformis help? I have a fever";
    let response = sciatica_bot::respond(&engine, &ReplyConfig::default(), message);
    assert!(response.answer.is_some(), "the question is still answered");
    let notice = response.notice.expect("red flags found");
    assert!(response.reply.starts_with(&format!("{notice}\n\n")), "{}", response.reply);
    assert!(response.reply.chars().count() <= MAX_REPLY_CHARS);
    assert!(response.reply.contains("[…]"), "the passage is cut to make room: {}", response.reply);
}

#[test]
fn a_long_disclaimer_and_many_topics_still_fit() {
    let mut faq = String::from("# FAQ\n");
    for i in 0..300 {
        faq.push_str(&format!("\n## Question number {i} about sciatica?\n\nAnswer {i}.\n"));
    }
    let (_dir, engine) = engine_with(&faq);
    let config = ReplyConfig { disclaimer: "Not medical advice. ".repeat(50), max_topics: 500 };
    let reply = sciatica_bot::respond(&engine, &config, "what is bitcoin").reply;
    assert!(reply.chars().count() <= MAX_REPLY_CHARS, "{} characters", reply.chars().count());
}
