//! Gateway events in, replies out: which messages to answer, cooldowns, slash commands and
//! the staff check. Logs say what happened, never what was asked or by whom.

use std::sync::{Arc, LazyLock, OnceLock};
use std::time::Instant;

use regex::Regex;
use serenity::all::{
    async_trait, ActionRowComponent, ButtonStyle, Command, CommandDataOptionValue, CommandInteraction,
    CommandOptionType, ComponentInteraction, Context, CreateActionRow, CreateAutocompleteResponse, CreateButton,
    CreateCommand, CreateCommandOption, CreateInputText, CreateInteractionResponse, CreateInteractionResponseMessage,
    CreateMessage, CreateModal, EventHandler, GuildId, InputTextStyle, Interaction, Member, Message, ModalInteraction,
    Permissions, Ready, UserId,
};

use super::cooldown::Verdict;
use super::{no_pings, refusal_report, Shared};
use crate::corpus::PassageKind;
use crate::faq_edit::FaqEdit;
use crate::reply::{self, Body};
use crate::staff;

pub struct Handler {
    shared: Arc<Shared>,
    /// The bot's own user, known from READY.
    me: OnceLock<UserId>,
}

/// Why a message is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    SlashCommand,
    DirectMessage,
    Mention,
    /// A message in a listened channel: answered only when there is something to say.
    Listening,
}

impl Handler {
    pub fn new(shared: Arc<Shared>) -> Handler {
        Handler { shared, me: OnceLock::new() }
    }

    fn trigger(&self, message: &Message) -> Option<Trigger> {
        let me = *self.me.get()?;
        if message.author.bot || message.webhook_id.is_some() || message.author.id == me {
            return None;
        }
        if message.guild_id.is_none() {
            Some(Trigger::DirectMessage)
        } else if message.mentions_user_id(me) {
            Some(Trigger::Mention)
        } else if self.shared.config.discord.listen_channels.contains(&message.channel_id.get()) {
            Some(Trigger::Listening)
        } else {
            None
        }
    }

    /// The reply to a message, or `None` when the bot should stay quiet.
    async fn reply_to(&self, trigger: Trigger, author: UserId, content: &str) -> Option<Outgoing> {
        let question = strip_mentions(content).trim().to_owned();
        let config = &self.shared.config.reply;
        if question.trim().is_empty() {
            if trigger == Trigger::Listening {
                return None;
            }
            let knowledge = self.shared.knowledge();
            let corpus = knowledge.engine.corpus();
            let help = Body::Help { topics: corpus.topics().collect(), example: corpus.example_question() };
            return Some(Outgoing::text(reply::compose(None, &help, config)));
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
        let verdict =
            self.shared.cooldowns.lock().unwrap_or_else(|e| e.into_inner()).check(author.get(), Instant::now());
        let (wait, notice) = match verdict {
            Verdict::Answer => {
                let response = match heard {
                    Some(response) => response,
                    None => self.respond(&question).await,
                };
                tracing::info!(trigger = ?trigger, answered = response.answer.is_some(), red_flag = response.notice.is_some(), verdict = ?verdict, "message");
                if response.answer.is_none() {
                    self.log_unanswered(question);
                }
                return Some(Outgoing { text: response.reply, passage: response.answer.map(|a| a.id) });
            }
            Verdict::Warn { wait } | Verdict::Quiet { wait } => {
                let notice = match heard {
                    Some(response) => response.notice,
                    // The semantic layer reads the message in cooldown too: a red flag always
                    // gets its notice, and that is worth the inference.
                    None => {
                        let embedded = self.shared.embed(&question).await;
                        self.shared.knowledge().triage.assess(&question, &embedded.clauses).notice
                    }
                };
                (wait, notice)
            }
        };
        tracing::info!(trigger = ?trigger, answered = false, red_flag = notice.is_some(), verdict = ?verdict, "message");
        let wait = Body::Wait { seconds: wait.as_secs().max(1) };
        match verdict {
            // A red flag always gets its notice, cooldown or not.
            Verdict::Quiet { .. } => notice.map(|notice| Outgoing::text(reply::compose(Some(&notice), &wait, config))),
            _ => Some(Outgoing::text(reply::compose(notice.as_deref(), &wait, config))),
        }
    }

    /// The whole response to a question: its vector from the embedding thread, then the pure
    /// core, which is microseconds of work.
    async fn respond(&self, question: &str) -> crate::Response {
        let embedded = self.shared.embed(question).await;
        crate::respond_embedded(&self.shared.knowledge(), &self.shared.config.reply, question, &embedded)
    }

    /// Keeps the question (already without mention tokens) for the staff report, off the
    /// async runtime; a failure to write is logged, never shown to the person.
    fn log_unanswered(&self, question: String) {
        let log = self.shared.unanswered.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(error) = log.append(&question) {
                tracing::warn!(%error, path = %log.path().display(), "cannot log an unanswered question");
            }
        });
    }

    async fn answer_command(&self, ctx: &Context, command: &CommandInteraction) -> serenity::Result<()> {
        if command.data.name == "faq" {
            return self.faq_command(ctx, command).await;
        }
        let config = &self.shared.config;
        let (content, ephemeral, passage) = match command.data.name.as_str() {
            "ask" => {
                let question = command
                    .data
                    .options
                    .iter()
                    .find(|o| o.name == "question")
                    .and_then(|o| match &o.value {
                        CommandDataOptionValue::String(text) => Some(text.as_str()),
                        _ => None,
                    })
                    .unwrap_or_default();
                match self.reply_to(Trigger::SlashCommand, command.user.id, question).await {
                    Some(reply) => (reply.text, config.discord.ephemeral_answers, reply.passage),
                    None => return Ok(()),
                }
            }
            "topics" => {
                let knowledge = self.shared.knowledge();
                let corpus = knowledge.engine.corpus();
                let help = Body::Help { topics: corpus.topics().collect(), example: corpus.example_question() };
                (reply::compose(None, &help, &config.reply), config.discord.ephemeral_answers, None)
            }
            "reload" => (self.reload(command).await, true, None),
            "unanswered" => (self.unanswered(command).await, true, None),
            other => {
                tracing::warn!(command = other, "unknown command");
                return Ok(());
            }
        };
        let mut message =
            CreateInteractionResponseMessage::new().content(content).allowed_mentions(no_pings()).ephemeral(ephemeral);
        if let Some(buttons) = passage.as_deref().and_then(feedback_buttons) {
            message = message.components(buttons);
        }
        command.create_response(&ctx.http, CreateInteractionResponse::Message(message)).await
    }

    /// `/reload`, for staff only: rebuild from the corpus folder and say what changed, or
    /// which problems kept the previous version serving.
    async fn reload(&self, command: &CommandInteraction) -> String {
        if !self.is_staff(command.member.as_deref()) {
            tracing::info!("reload refused");
            return "Sorry, only clinic staff can reload the content.".to_owned();
        }
        match self.shared.reload().await {
            Ok(report) => {
                tracing::info!(passages = report.passages, "reloaded");
                report.summary()
            }
            Err(error) => refusal_report("Not reloaded", &error),
        }
    }

    /// `/unanswered`, for staff only: the ten most frequent questions the bot could not answer.
    async fn unanswered(&self, command: &CommandInteraction) -> String {
        if !self.is_staff(command.member.as_deref()) {
            return "Sorry, only clinic staff can see the unanswered questions.".to_owned();
        }
        let path = self.shared.unanswered.path().to_path_buf();
        let knowledge = self.shared.knowledge();
        let grouped = tokio::task::spawn_blocking(move || {
            staff::group_unanswered(&path).map(|(groups, _)| staff::unanswered_report(&groups, 10, &knowledge))
        })
        .await;
        match grouped {
            Ok(Ok(report)) => reply::fit_message(&report),
            Ok(Err(error)) => format!("Cannot read the unanswered log: {error}"),
            Err(error) => format!("Cannot read the unanswered log: {error}"),
        }
    }

    /// `/faq add|edit|remove`, for staff: add and edit open a form; remove applies at once.
    async fn faq_command(&self, ctx: &Context, command: &CommandInteraction) -> serenity::Result<()> {
        let response = if !self.is_staff(command.member.as_deref()) {
            private("Sorry, only clinic staff can edit the FAQ.".to_owned())
        } else {
            let Some(sub) = command.data.options.first() else { return Ok(()) };
            let chosen = match &sub.value {
                CommandDataOptionValue::SubCommand(options) => options.iter().find_map(|o| match &o.value {
                    CommandDataOptionValue::String(id) if o.name == "question" => Some(id.clone()),
                    _ => None,
                }),
                _ => None,
            };
            match (sub.name.as_str(), chosen) {
                ("add", _) => CreateInteractionResponse::Modal(faq_form(FAQ_ADD, "Add a FAQ entry", "", "")),
                ("edit", Some(id)) => {
                    let knowledge = self.shared.knowledge();
                    let passage = knowledge.engine.corpus().passages.iter().find(|p| p.id == id);
                    match passage {
                        Some(p) if FAQ_EDIT.len() + id.len() <= 100 => CreateInteractionResponse::Modal(faq_form(
                            &format!("{FAQ_EDIT}{id}"),
                            "Edit a FAQ entry",
                            &p.section,
                            &p.text,
                        )),
                        _ => private(format!("There is no FAQ entry `{id}` to edit.")),
                    }
                }
                ("remove", Some(id)) => private(self.apply_faq_edit(FaqEdit::Remove { id }).await),
                _ => private("Choose a question from the list.".to_owned()),
            }
        };
        command.create_response(&ctx.http, response).await
    }

    /// A submitted FAQ form: check again that the sender is staff, then write and go live.
    async fn faq_form_submitted(&self, ctx: &Context, modal: &ModalInteraction) -> serenity::Result<()> {
        let field = |name: &str| {
            modal.data.components.iter().flat_map(|row| &row.components).find_map(|component| match component {
                ActionRowComponent::InputText(input) if input.custom_id == name => input.value.clone(),
                _ => None,
            })
        };
        let text = if !self.is_staff(modal.member.as_ref()) {
            "Sorry, only clinic staff can edit the FAQ.".to_owned()
        } else {
            let (question, answer) = (field("question").unwrap_or_default(), field("answer").unwrap_or_default());
            let edit = match modal.data.custom_id.strip_prefix(FAQ_EDIT) {
                Some(id) => FaqEdit::Replace { id: id.to_owned(), question, answer },
                None if modal.data.custom_id == FAQ_ADD => FaqEdit::Add { question, answer },
                None => return Ok(()),
            };
            self.apply_faq_edit(edit).await
        };
        modal.create_response(&ctx.http, private(text)).await
    }

    async fn apply_faq_edit(&self, edit: FaqEdit) -> String {
        let verb = match &edit {
            FaqEdit::Add { .. } => "Added",
            FaqEdit::Replace { .. } => "Updated",
            FaqEdit::Remove { .. } => "Removed",
        };
        match self.shared.edit_faq(edit).await {
            Ok(id) => {
                tracing::info!(verb, "FAQ edited from Discord");
                format!("{verb} `{id}`: it is live now. The previous faq.md is kept in the history folder.")
            }
            Err(error) => {
                tracing::warn!(%error, "FAQ edit refused");
                reply::fit_message(&format!("Not saved, the FAQ is unchanged: {error}"))
            }
        }
    }

    /// A click on "Helpful" or "Not helpful": counted once per person per answer.
    async fn feedback(&self, ctx: &Context, click: &ComponentInteraction) -> serenity::Result<()> {
        let id = click.data.custom_id.as_str();
        let (helpful, passage) = match (id.strip_prefix(HELPFUL), id.strip_prefix(NOT_HELPFUL)) {
            (Some(passage), _) => (true, passage.to_owned()),
            (_, Some(passage)) => (false, passage.to_owned()),
            _ => return Ok(()),
        };
        let store = self.shared.feedback.clone();
        let (person, answer) = (click.user.id.get(), click.message.id.get());
        let counted = tokio::task::spawn_blocking(move || store.vote(person, answer, &passage, helpful)).await;
        let text = match counted {
            Ok(Ok(true)) => "Thanks, that helps the clinic improve its answers.",
            Ok(Ok(false)) => "You already gave feedback on this answer, thank you.",
            Ok(Err(error)) => {
                tracing::warn!(%error, "cannot save feedback");
                "Sorry, your feedback could not be saved."
            }
            Err(error) => {
                tracing::warn!(%error, "feedback task failed");
                "Sorry, your feedback could not be saved."
            }
        };
        click.create_response(&ctx.http, private(text.to_owned())).await
    }

    /// Suggestions for `/faq edit|remove question:`: FAQ questions containing what was typed.
    async fn faq_autocomplete(&self, ctx: &Context, command: &CommandInteraction) -> serenity::Result<()> {
        let typed = command.data.autocomplete().map(|o| o.value.to_lowercase()).unwrap_or_default();
        let knowledge = self.shared.knowledge();
        let mut choices = CreateAutocompleteResponse::new();
        let matching =
            knowledge.engine.corpus().passages.iter().filter(|p| {
                p.kind == PassageKind::Faq && p.section.to_lowercase().contains(&typed) && p.id.len() <= 100
            });
        for passage in matching.take(25) {
            let name: String = passage.section.chars().take(100).collect();
            choices = choices.add_string_choice(name, passage.id.clone());
        }
        command.create_response(&ctx.http, CreateInteractionResponse::Autocomplete(choices)).await
    }

    /// Staff: a member with a configured staff role, or with the Manage Server permission.
    /// Nobody is staff in a direct message.
    fn is_staff(&self, member: Option<&Member>) -> bool {
        let Some(member) = member else { return false };
        let staff_roles = &self.shared.config.discord.staff_role_ids;
        member.roles.iter().any(|role| staff_roles.contains(&role.get()))
            || member.permissions.is_some_and(|p| p.contains(Permissions::MANAGE_GUILD))
    }

    async fn register_commands(&self, ctx: &Context) {
        let commands = vec![
            CreateCommand::new("ask").description("Ask a question about sciatica and massage").add_option(
                CreateCommandOption::new(CommandOptionType::String, "question", "Your question, in your own words")
                    .required(true)
                    .max_length(4000),
            ),
            CreateCommand::new("topics").description("What I can answer questions about"),
            CreateCommand::new("reload").description("Staff: reload the clinic's content").dm_permission(false),
            CreateCommand::new("faq")
                .description("Staff: add, edit or remove a FAQ entry")
                .dm_permission(false)
                .add_option(CreateCommandOption::new(
                    CommandOptionType::SubCommand,
                    "add",
                    "Add a question and its answer",
                ))
                .add_option(faq_question_option("edit", "Edit a question or its answer"))
                .add_option(faq_question_option("remove", "Remove a question and its answer")),
            CreateCommand::new("unanswered")
                .description("Staff: the questions I could not answer, most frequent first")
                .dm_permission(false),
        ];
        let guilds = &self.shared.config.discord.guild_ids;
        if guilds.is_empty() {
            if let Err(error) = Command::set_global_commands(&ctx.http, commands).await {
                tracing::warn!(%error, "cannot register the global commands");
            }
            return;
        }
        for guild in guilds {
            if let Err(error) = GuildId::new(*guild).set_commands(&ctx.http, commands.clone()).await {
                tracing::warn!(%error, guild, "cannot register the guild commands");
            }
        }
    }
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        let _ = self.me.set(ready.user.id);
        tracing::info!(shard = ?ready.shard.map(|s| (s.id.0, s.total)), "connected");
        let first_shard = ready.shard.is_none_or(|s| s.id.0 == 0);
        if first_shard {
            self.register_commands(&ctx).await;
        }
    }

    async fn message(&self, ctx: Context, message: Message) {
        let Some(trigger) = self.trigger(&message) else { return };
        let Some(outgoing) = self.reply_to(trigger, message.author.id, &message.content).await else { return };
        let mut reply =
            CreateMessage::new().content(outgoing.text).allowed_mentions(no_pings()).reference_message(&message);
        if let Some(buttons) = outgoing.passage.as_deref().and_then(feedback_buttons) {
            reply = reply.components(buttons);
        }
        if let Err(error) = message.channel_id.send_message(&ctx.http, reply).await {
            tracing::warn!(%error, "cannot send a reply");
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let outcome = match &interaction {
            Interaction::Command(command) => self.answer_command(&ctx, command).await,
            Interaction::Autocomplete(command) => self.faq_autocomplete(&ctx, command).await,
            Interaction::Modal(modal) => self.faq_form_submitted(&ctx, modal).await,
            Interaction::Component(click) => self.feedback(&ctx, click).await,
            _ => Ok(()),
        };
        if let Err(error) = outcome {
            tracing::warn!(%error, kind = ?interaction.kind(), "cannot answer an interaction");
        }
    }
}

/// What a reply carries besides its text: the passage quoted, for the feedback buttons.
struct Outgoing {
    text: String,
    passage: Option<String>,
}

impl Outgoing {
    fn text(text: String) -> Outgoing {
        Outgoing { text, passage: None }
    }
}

/// Custom ids of the feedback buttons, followed by the passage id.
const HELPFUL: &str = "feedback:up:";
const NOT_HELPFUL: &str = "feedback:down:";

/// "Helpful" and "Not helpful" under an answer, when the passage id fits a custom id.
fn feedback_buttons(passage: &str) -> Option<Vec<CreateActionRow>> {
    (NOT_HELPFUL.len() + passage.len() <= 100).then(|| {
        vec![CreateActionRow::Buttons(vec![
            CreateButton::new(format!("{HELPFUL}{passage}")).label("Helpful").style(ButtonStyle::Success),
            CreateButton::new(format!("{NOT_HELPFUL}{passage}")).label("Not helpful").style(ButtonStyle::Secondary),
        ])]
    })
}

/// Custom ids of the FAQ forms; an edit form carries the id of the entry it edits.
const FAQ_ADD: &str = "faq:add";
const FAQ_EDIT: &str = "faq:edit:";

/// The question and answer form, prefilled when editing.
fn faq_form(custom_id: &str, title: &str, question: &str, answer: &str) -> CreateModal {
    let question = CreateInputText::new(InputTextStyle::Short, "Question", "question").max_length(200).value(question);
    let answer = CreateInputText::new(InputTextStyle::Paragraph, "Answer", "answer").max_length(4000).value(answer);
    CreateModal::new(custom_id, title)
        .components(vec![CreateActionRow::InputText(question), CreateActionRow::InputText(answer)])
}

fn faq_question_option(name: &str, description: &str) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::SubCommand, name, description).add_sub_option(
        CreateCommandOption::new(CommandOptionType::String, "question", "The FAQ question")
            .required(true)
            .set_autocomplete(true),
    )
}

/// A message only the person who used the command sees, pinging nobody.
fn private(text: String) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new().content(text).allowed_mentions(no_pings()).ephemeral(true),
    )
}

/// The question without the mention tokens (`<@123>`, `<@!123>`, `<@&9>`, `<#5>`) around it.
fn strip_mentions(content: &str) -> String {
    static MENTION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<(?:@[!&]?|#)[0-9]+>").expect("the mention pattern is valid"));
    MENTION.replace_all(content, " ").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mention_tokens_are_removed_and_the_rest_kept() {
        assert_eq!(strip_mentions("<@123> does massage help?").trim(), "does massage help?");
        assert_eq!(
            strip_mentions("hi <@!42> and <@&7> in <#9>").split_whitespace().collect::<Vec<_>>(),
            ["hi", "and", "in"]
        );
        assert_eq!(strip_mentions("a < b > c <@x>"), "a < b > c <@x>");
        assert_eq!(strip_mentions("<@>"), "<@>");
    }
}
