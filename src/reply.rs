//! The words the bot posts: the red-flag notice first when there is one, then a quoted
//! passage with its section and source, or an honest "no answer" with the topics it knows,
//! always with the standing disclaimer and always within Discord's 2,000-character limit.
//!
//! This module only formats. It does not choose the passage (`search`) or send anything
//! (`discord`); its output is the same text whether printed by `ask` or posted to Discord.

use crate::config::ReplyConfig;
use crate::search::Answer;

/// Discord's limit for a message's content, in characters.
pub const MAX_REPLY_CHARS: usize = 2000;

/// What is put where part of a passage had to be cut to fit.
const ELLIPSIS: &str = " […]";

/// What follows the red-flag notice, if any.
pub enum Body<'a> {
    /// A passage was found.
    Answer(&'a Answer<'a>),
    /// Nothing in the corpus answers: offer the topics and an example question.
    NoAnswer { topics: Vec<&'a str>, example: Option<&'a str> },
    /// The question is about something the content does not cover: say who can answer it.
    NotCovered { redirect: &'a str, example: Option<&'a str> },
    /// What the bot can do: the topics and how to ask (`/topics`, a bare mention).
    Help { topics: Vec<&'a str>, example: Option<&'a str> },
    /// The person asked again before their cooldown ended.
    Wait { seconds: u64 },
}

/// The whole reply: the red-flag notice first, whole, then the body in the room left.
pub fn compose(notice: Option<&str>, body: &Body<'_>, config: &ReplyConfig) -> String {
    let lead = notice.map(|n| format!("{n}\n\n")).unwrap_or_default();
    let room = MAX_REPLY_CHARS.saturating_sub(chars(&lead));
    let text = match body {
        Body::Answer(answer) => answered(answer, config, room),
        Body::NoAnswer { topics, example } => no_answer(topics, *example, config, room),
        Body::NotCovered { redirect, example } => not_covered(redirect, *example, config, room),
        Body::Help { topics, example } => help(topics, *example, config, room),
        Body::Wait { seconds } => {
            let unit = if *seconds == 1 { "second" } else { "seconds" };
            fit(format!("You're asking quickly: please wait {seconds} more {unit} before your next question."), room)
        }
    };
    format!("{lead}{text}")
}

/// The reply for a chosen passage, in at most `room` characters.
fn answered(answer: &Answer<'_>, config: &ReplyConfig, room: usize) -> String {
    let passage = answer.passage;
    let head = format!("**{}**\n", passage.section);
    let tail = format!("\n\nSource: {}\n_{}_", passage.source, config.disclaimer);
    let left = room.saturating_sub(chars(&head) + chars(&tail));
    let quoted = quote(&passage.text, left);
    fit(format!("{head}{quoted}{tail}"), room)
}

/// The reply when the corpus has no answer: say so, offer the topics, suggest rephrasing.
fn no_answer(topics: &[&str], example: Option<&str>, config: &ReplyConfig, room: usize) -> String {
    let mut text = String::from(
        "Sorry, I don't have an answer to that in the clinic's articles, and I would rather say so than guess.",
    );
    push_topics(&mut text, topics, config);
    text.push_str("\n\nTry asking in other words");
    push_example(&mut text, example);
    text.push_str(&format!("\n_{}_", config.disclaimer));
    fit(text, room)
}

/// The reply when the question is about a topic the content does not cover: the staff's
/// redirect, then what the bot can answer.
fn not_covered(redirect: &str, example: Option<&str>, config: &ReplyConfig, room: usize) -> String {
    let mut text = format!("The clinic's articles don't cover that, so I won't guess. {redirect}");
    text.push_str("\n\nI can answer questions about sciatica and massage from the clinic's articles");
    push_example(&mut text, example);
    text.push_str(&format!("\n_{}_", config.disclaimer));
    fit(text, room)
}

/// What the bot is for and how to ask it.
fn help(topics: &[&str], example: Option<&str>, config: &ReplyConfig, room: usize) -> String {
    let mut text = String::from(
        "Hi! I answer questions about sciatica and massage from the clinic's own articles. \
         Ask with `/ask`, mention me with your question, or send me a direct message",
    );
    push_example(&mut text, example);
    push_topics(&mut text, topics, config);
    text.push_str(&format!("\n_{}_", config.disclaimer));
    fit(text, room)
}

fn push_topics(text: &mut String, topics: &[&str], config: &ReplyConfig) {
    if !topics.is_empty() {
        text.push_str("\n\nI can answer questions about:");
        for topic in topics.iter().take(config.max_topics) {
            text.push_str("\n• ");
            text.push_str(topic);
        }
    }
}

fn push_example(text: &mut String, example: Option<&str>) {
    match example {
        Some(example) => text.push_str(&format!(", for example: \"{example}\"")),
        None => text.push('.'),
    }
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// The passage as a Markdown quote of at most `room` characters, cut at a sentence end.
fn quote(text: &str, room: usize) -> String {
    let render =
        |body: &str| body.lines().map(|l| format!("> {l}").trim_end().to_owned()).collect::<Vec<_>>().join("\n");
    let full = render(text);
    if chars(&full) <= room {
        return full;
    }
    // Each line gains "> ", so budget the source text by what its quoted form costs.
    let mut budget = room.saturating_sub(chars(ELLIPSIS));
    loop {
        let cut = cut_at_boundary(text, budget);
        let quoted = format!("{}{ELLIPSIS}", render(cut.trim_end()));
        if chars(&quoted) <= room || budget == 0 {
            return quoted;
        }
        budget = budget.saturating_sub(chars(&quoted) - room);
    }
}

/// The longest prefix of at most `max` characters that ends a sentence, or failing that a
/// word, or failing that (one enormous word) a character.
pub fn cut_at_boundary(text: &str, max: usize) -> &str {
    let end = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    if end == text.len() {
        return text;
    }
    let prefix = &text[..end];
    let sentence_end = prefix
        .char_indices()
        .filter(|&(i, c)| {
            matches!(c, '.' | '!' | '?' | '\n') && text[i + c.len_utf8()..].starts_with(char::is_whitespace)
        })
        .map(|(i, c)| i + c.len_utf8())
        .next_back();
    if let Some(at) = sentence_end {
        return &text[..at];
    }
    let next_is_space = text[end..].starts_with(char::is_whitespace);
    if next_is_space {
        return prefix;
    }
    match prefix.rfind(char::is_whitespace) {
        Some(at) => &text[..at],
        None => prefix,
    }
}

/// A last guard: whatever was assembled, the text never exceeds `room`.
fn fit(text: String, room: usize) -> String {
    if chars(&text) <= room {
        return text;
    }
    let cut = cut_at_boundary(&text, room.saturating_sub(chars(ELLIPSIS)));
    format!("{}{ELLIPSIS}", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_prefer_sentence_ends_then_words() {
        assert_eq!(cut_at_boundary("One two. Three four five.", 15), "One two.");
        assert_eq!(cut_at_boundary("One two three four", 10), "One two");
        assert_eq!(cut_at_boundary("One two three", 7), "One two");
        assert_eq!(cut_at_boundary("abcdefghij", 4), "abcd");
        assert_eq!(cut_at_boundary("short", 40), "short");
        assert_eq!(cut_at_boundary("é😀 ü", 2), "é😀");
    }

    #[test]
    fn an_uncovered_topic_gets_its_redirect_after_the_notice() {
        let body = Body::NotCovered { redirect: "Ask a pharmacist.", example: Some("Is massage good?") };
        let text = compose(Some("A notice."), &body, &ReplyConfig::default());
        assert!(text.starts_with("A notice.\n\nThe clinic's articles don't cover that"), "{text}");
        assert!(text.contains("Ask a pharmacist.") && text.contains("\"Is massage good?\""), "{text}");
    }

    #[test]
    fn long_no_answer_lists_are_trimmed_to_the_limit() {
        let config = ReplyConfig { max_topics: 1000, ..ReplyConfig::default() };
        let topics: Vec<String> = (0..500).map(|i| format!("Topic number {i}")).collect();
        let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
        let text = compose(Some("A notice."), &Body::NoAnswer { topics, example: None }, &config);
        assert!(text.starts_with("A notice.\n\nSorry"));
        assert!(text.chars().count() <= MAX_REPLY_CHARS);
        assert!(text.ends_with(ELLIPSIS));
    }
}
