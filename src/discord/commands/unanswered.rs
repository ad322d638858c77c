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
        let knowledge = shared.knowledge();
        let work = Box::pin(async move {
            let report = match shared.staff.unanswered_groups().await {
                // The report embeds each question: CPU work, off the async runtime.
                Ok(groups) => tokio::task::spawn_blocking(move || staff::unanswered_report(&groups, 10, &knowledge))
                    .await
                    .map_err(|error| error.to_string()),
                Err(error) => Err(error.to_string()),
            };
            Said::private(report.unwrap_or_else(|error| format!("Cannot read the unanswered questions: {error}")))
        });
        Reply::Later { private: true, work }
    })
}
