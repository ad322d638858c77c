//! What the bot says to a person's question, wherever it was asked (a mention, a direct
//! message, a listened channel, `/ask`): the cooldown's verdict, then the answer, a "please
//! wait", or silence, with the red-flag notice always first when there is one.
//!
//! This module decides what to say and when to stay quiet; it does not send anything, and the
//! answer itself comes from the pure core ([`crate::respond_embedded`]).

use std::sync::LazyLock;
use std::time::Instant;

use regex::Regex;

use super::cooldown::Verdict;
use super::Shared;
use crate::reply::{self, Body};

/// How a question reached the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    SlashCommand,
    DirectMessage,
    Mention,
    /// A message in a listened channel: answered only when there is something to say.
    Listening,
}

/// A reply and what it carries besides its text: the passage quoted, for the feedback buttons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outgoing {
    pub text: String,
    pub passage: Option<String>,
}

impl Outgoing {
    pub fn text(text: String) -> Outgoing {
        Outgoing { text, passage: None }
    }
}

impl Shared {
    /// The reply to a message, or `None` when the bot should stay quiet.
    pub(crate) async fn reply_to(&self, trigger: Trigger, author: u64, content: &str) -> Option<Outgoing> {
        let question = question_in(content);
        if question.is_empty() {
            return (trigger != Trigger::Listening).then(|| self.help());
        }
        // In a listened channel the bot speaks only when it has something to say, so the answer
        // comes before the cooldown. Elsewhere the person addressed the bot: the answer is only
        // worth computing if the cooldown lets it through, since a "please wait" needs no more
        // than the red-flag check, and inference is the one costly step.
        let heard = match trigger {
            Trigger::Listening => {
                let response = self.respond(&question).await;
                if response.answer.is_none() && response.notice.is_none() {
                    return None;
                }
                Some(response)
            }
            _ => None,
        };
        let verdict = self.cooldown(author);
        self.reply_for(trigger, verdict, &question, heard).await
    }

    /// The cooldown's verdict on a question from `author` now, recorded.
    pub(crate) fn cooldown(&self, author: u64) -> Verdict {
        self.cooldowns.lock().unwrap_or_else(|e| e.into_inner()).check(author, Instant::now())
    }

    /// The reply once the cooldown has spoken; `heard` is the response if it was already
    /// computed. Quiet means nothing unless there is a red flag, except to a slash command,
    /// which Discord shows as failed if it gets no response at all.
    pub(crate) async fn reply_for(
        &self,
        trigger: Trigger,
        verdict: Verdict,
        question: &str,
        heard: Option<crate::Response>,
    ) -> Option<Outgoing> {
        let wait = match verdict {
            Verdict::Answer => {
                let response = match heard {
                    Some(response) => response,
                    None => self.respond(question).await,
                };
                tracing::info!(trigger = ?trigger, answered = response.answer.is_some(), red_flag = response.notice.is_some(), verdict = ?verdict, "message");
                self.metrics.answered(response.answer.is_some());
                if response.notice.is_some() {
                    self.metrics.red_flag_notice(&response.red_flags);
                }
                if response.answer.is_none() {
                    self.log_unanswered(question);
                }
                return Some(Outgoing { text: response.reply, passage: response.answer.map(|a| a.id) });
            }
            Verdict::Warn { wait } | Verdict::Quiet { wait } => wait,
        };
        let (notice, flags) = match heard {
            Some(response) => (response.notice, response.red_flags),
            // The semantic layer reads the message in cooldown too: a red flag always gets its
            // notice, and that is worth the inference.
            None => {
                let knowledge = self.knowledge();
                let embedded = self.embed(&knowledge, question).await;
                let assessment = self.off_runtime(move || knowledge.assess(&embedded)).await;
                (assessment.notice, assessment.flags)
            }
        };
        self.metrics.cooldown_refused();
        if notice.is_some() {
            self.metrics.red_flag_notice(&flags);
        }
        tracing::info!(trigger = ?trigger, answered = false, red_flag = notice.is_some(), verdict = ?verdict, "message");
        if matches!(verdict, Verdict::Quiet { .. }) && notice.is_none() && trigger != Trigger::SlashCommand {
            return None;
        }
        let wait = Body::Wait { seconds: wait.as_secs().max(1) };
        Some(Outgoing::text(reply::compose(notice.as_deref(), &wait, &self.config.reply)))
    }

    /// What the bot can help with, for an empty question and `/topics`.
    pub(crate) fn help(&self) -> Outgoing {
        let knowledge = self.knowledge();
        let corpus = knowledge.engine.corpus();
        let topics = corpus.topics_in_full();
        let help =
            Body::Help { topics: topics.iter().map(String::as_str).collect(), example: corpus.example_question() };
        Outgoing::text(reply::compose(None, &help, &self.config.reply))
    }

    /// The whole response to a question: its vector from the embedding thread, then the pure
    /// core.
    async fn respond(&self, question: &str) -> crate::Response {
        let started = Instant::now();
        let knowledge = self.knowledge();
        let embedded = self.embed(&knowledge, question).await;
        let (config, question) = (self.config.reply.clone(), question.to_owned());
        let response =
            self.off_runtime(move || crate::respond_embedded(&knowledge, &config, &question, &embedded)).await;
        self.metrics.computed(started.elapsed());
        response
    }

    /// Runs the core's CPU work on the kept worker threads, one piece per core at a time. It
    /// is microseconds in a release build, but a burst makes thousands of them, and on the
    /// async runtime they would delay what must leave within Discord's 3 s (an interaction's
    /// deferral).
    async fn off_runtime<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> T {
        self.workers.run(work).await
    }

    /// Keeps the question (already without mention tokens) for the staff report, without
    /// holding up the reply; a failure to store it is logged, never shown to the person.
    fn log_unanswered(&self, question: &str) {
        let (staff, question) = (self.staff.clone(), question.to_owned());
        tokio::spawn(async move {
            if let Err(error) = staff.log_unanswered(&question).await {
                tracing::warn!(%error, "cannot store an unanswered question");
            }
        });
    }
}

/// The question in a message: its text without the mention tokens (`<@123>`, `<@!123>`,
/// `<@&9>`, `<#5>`) and the blanks around it.
pub(crate) fn question_in(content: &str) -> String {
    static MENTION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<(?:@[!&]?|#)[0-9]+>").expect("the mention pattern is valid"));
    MENTION.replace_all(content, " ").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mention_tokens_are_removed_and_the_rest_kept() {
        assert_eq!(question_in("<@123> does massage help?"), "does massage help?");
        assert_eq!(
            question_in("hi <@!42> and <@&7> in <#9>").split_whitespace().collect::<Vec<_>>(),
            ["hi", "and", "in"]
        );
        assert_eq!(question_in("a < b > c <@x>"), "a < b > c <@x>");
        assert_eq!(question_in(" <@> "), "<@>");
    }
}
