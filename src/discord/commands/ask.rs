//! `/ask question:`: the bot's answer to a question, like a mention, within the person's
//! cooldown. Too soon, the person is told privately to wait (with the red-flag notice when
//! there is one), every time: a slash command that gets no response shows as failed.

use serenity::all::{CommandInteraction, CommandOptionType, CreateCommand, CreateCommandOption};

use super::{string_option, Reply, Said, SlashCommand, Work};
use crate::discord::conversation::{question_in, Trigger};
use crate::discord::cooldown::Verdict;
use crate::discord::Shared;

pub(super) const COMMAND: SlashCommand =
    SlashCommand { name: "ask", staff_only: false, define, run, autocomplete: None };

fn define(command: CreateCommand) -> CreateCommand {
    command.description("Ask a question about sciatica and massage").add_option(
        CreateCommandOption::new(CommandOptionType::String, "question", "Your question, in your own words")
            .required(true)
            .max_length(4000),
    )
}

fn run<'a>(shared: &'a Shared, command: &'a CommandInteraction) -> Work<'a, Reply<'a>> {
    Box::pin(async move {
        let public = !shared.config.discord.ephemeral_answers;
        let question = question_in(string_option(&command.data.options, "question").unwrap_or_default());
        if question.is_empty() {
            return Reply::Now(Said::outgoing(shared.help(), !public));
        }
        let verdict = shared.cooldown(command.user.id.get());
        // Only an answer may be public; a "please wait" is for the person who asked.
        let private = !(public && verdict == Verdict::Answer);
        let work = Box::pin(async move {
            let outgoing = shared.reply_for(Trigger::SlashCommand, verdict, &question, None).await;
            // `reply_for` always has something to say to a slash command.
            Said::outgoing(outgoing.unwrap_or_else(|| shared.help()), private)
        });
        Reply::Later { private, work }
    })
}
