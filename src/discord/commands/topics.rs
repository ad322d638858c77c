//! `/topics`: what the bot can answer questions about.

use serenity::all::{CommandInteraction, CreateCommand};

use super::{Reply, Said, SlashCommand, Work};
use crate::discord::Shared;

pub(super) const COMMAND: SlashCommand =
    SlashCommand { name: "topics", staff_only: false, define, run, autocomplete: None };

fn define(command: CreateCommand) -> CreateCommand {
    command.description("What I can answer questions about")
}

fn run<'a>(shared: &'a Shared, _command: &'a CommandInteraction) -> Work<'a, Reply<'a>> {
    Box::pin(async move { Reply::Now(Said::outgoing(shared.help(), shared.config.discord.ephemeral_answers)) })
}
