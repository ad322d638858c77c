//! Whatever people type, the bot answers sensibly and never panics: empty and huge messages,
//! query syntax, any Unicode, control characters, mention strings.

use sciatica_bot::config::{Config, ReplyConfig};
use sciatica_bot::reply::MAX_REPLY_CHARS;
use sciatica_bot::Knowledge;

fn engine() -> Knowledge {
    Knowledge::open(&Config::default()).unwrap()
}

/// Inputs with nothing answerable in them: each must give the honest "no answer" reply.
const UNANSWERABLE: &[&str] = &[
    "",
    "   \t  ",
    "\n\n",
    "AND ( \" * ^ title: -pain",
    "title:*",
    "*",
    "\"\"\"",
    "NOT OR AND",
    "🙂🙂🙂 🔥",
    "مرحبا كيف حالك",
    "\u{202e}\u{200b}\u{200d}\u{feff}",
    "\0\x01\x07\x1b[31m",
    "@everyone",
    "<@123456789012345678> <@&42> <#99>",
    "\u{fffd}\u{fffd}",
];

#[test]
fn unanswerable_inputs_get_the_no_answer_reply() {
    let engine = engine();
    let config = ReplyConfig::default();
    for input in UNANSWERABLE {
        let response = sciatica_bot::respond(&engine, &config, input);
        assert!(response.answer.is_none(), "{input:?} was answered with {:?}", response.answer);
        assert!(
            response.red_flags.is_empty() && response.notice.is_none(),
            "{input:?} raised {:?}",
            response.red_flags
        );
        assert!(response.reply.contains("I don't have an answer"), "{input:?}: {}", response.reply);
        assert!(response.reply.chars().count() <= MAX_REPLY_CHARS);
    }
}

#[test]
fn syntax_and_noise_around_a_real_question_do_not_hide_it() {
    let engine = engine();
    let config = ReplyConfig::default();
    for input in [
        "\"massage guns\" AND (good) for sciatica^2 -x?",
        "massage* guns~ good: for || sciatica",
        "\u{202b}are massage guns good for sciatica?\u{202c}",
        "are\u{200b} massage guns good for sciatica 🙏🙏",
        "ARE MASSAGE GUNS GOOD FOR SCIATICA???",
        "<@123> are massage guns good for sciatica? @everyone",
    ] {
        let response = sciatica_bot::respond(&engine, &config, input);
        let id = response.answer.map(|a| a.id);
        assert_eq!(id.as_deref(), Some("faq/are-massage-guns-good-for-sciatica"), "{input:?}");
    }
}

#[test]
fn a_leading_minus_is_a_word_not_an_exclusion() {
    let response = sciatica_bot::respond(&engine(), &ReplyConfig::default(), "-massage guns");
    let passage = response.answer.expect("massage guns are something the corpus talks about").passage;
    assert!(passage.to_lowercase().contains("massage gun"), "{passage}");
}

#[test]
fn huge_messages_are_answered_quickly_and_within_limits() {
    let engine = engine();
    let config = ReplyConfig::default();
    let noise = "lorem ipsum dolor sit amet ".repeat(4000);
    let huge_noise = &noise[..100 * 1024];
    let huge_question = format!("Are massage guns good for sciatica? {}", "x".repeat(100 * 1024));
    let huge_word = "a".repeat(100 * 1024);
    let flag_at_the_end = format!("{} and by the way I wet myself last night", "blah ".repeat(20 * 1024));
    for input in [huge_noise, huge_question.as_str(), huge_word.as_str(), flag_at_the_end.as_str()] {
        let started = std::time::Instant::now();
        let response = sciatica_bot::respond(&engine, &config, input);
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "took {:?}", started.elapsed());
        assert!(response.reply.chars().count() <= MAX_REPLY_CHARS);
    }
    let response = sciatica_bot::respond(&engine, &config, &flag_at_the_end);
    assert!(response.reply.starts_with("⚠️"), "a flag said in passing at the end of 100 KB is still found");
}

#[test]
fn replies_never_echo_mentions_from_the_question() {
    let engine = engine();
    let response =
        sciatica_bot::respond(&engine, &ReplyConfig::default(), "@everyone <@1> @here does massage help sciatica");
    assert!(response.answer.is_some());
    for mention in ["@everyone", "<@1>", "@here"] {
        assert!(!response.reply.contains(mention), "{}", response.reply);
    }
}
