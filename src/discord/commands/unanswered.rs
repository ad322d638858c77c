//! `/unanswered`, for staff: the ten most frequent questions the bot could not answer.

use serenity::all::{CommandInteraction, CreateCommand};

use super::{Reply, Said, SlashCommand, Work};
use crate::discord::Shared;
use crate::staff;

pub(super) const COMMAND: SlashCommand =
    SlashCommand { name: "unanswered", staff_only: true, define, run, autocomplete: None };

fn define(command: CreateCommand) -> CreateCommand {
    command.description("Staff: the questions I could not answer, most frequent first")
}

fn run<'a>(shared: &'a Shared, _command: &'a CommandInteraction) -> Work<'a, Reply<'a>> {
    Box::pin(async move {
        let path = shared.unanswered.path().to_path_buf();
        let knowledge = shared.knowledge();
        let work = Box::pin(async move {
            let grouped = tokio::task::spawn_blocking(move || {
                staff::group_unanswered(&path).map(|(groups, _)| staff::unanswered_report(&groups, 10, &knowledge))
            })
            .await
            .map_err(|error| error.to_string())
            .and_then(|read| read.map_err(|error| error.to_string()));
            Said::private(grouped.unwrap_or_else(|error| format!("Cannot read the unanswered log: {error}")))
        });
        Reply::Later { private: true, work }
    })
}
