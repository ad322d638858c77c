//! `/reload`, for staff: rebuild from the corpus folder and say what changed, or which
//! problems kept the previous version serving. A rebuild can take seconds, so it is deferred.

use serenity::all::{CommandInteraction, CreateCommand};

use super::{Reply, Said, SlashCommand, Work};
use crate::discord::{refusal_report, Shared};

pub(super) const COMMAND: SlashCommand =
    SlashCommand { name: "reload", staff_only: true, define, run, autocomplete: None };

fn define(command: CreateCommand) -> CreateCommand {
    command.description("Staff: reload the clinic's content")
}

fn run<'a>(shared: &'a Shared, command: &'a CommandInteraction) -> Work<'a, Reply<'a>> {
    Box::pin(async move {
        let work = Box::pin(async move {
            let (text, outcome) = match shared.reload().await {
                Ok(report) => {
                    tracing::info!(passages = report.passages, "reloaded");
                    (report.summary(), format!("live: {} passages", report.passages))
                }
                Err(error) => (refusal_report("Not reloaded", &error), "refused: the corpus has problems".to_owned()),
            };
            shared.staff.record(command.user.id.get(), "reload", "corpus", &outcome).await;
            Said::private(text)
        });
        Reply::Later { private: true, work }
    })
}
