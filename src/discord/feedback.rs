//! The "Helpful" and "Not helpful" buttons under an answer, and a click on them: counted once
//! per person per answer, by the staff store, which keeps no Discord id.

use serenity::all::{ButtonStyle, ComponentInteraction, CreateActionRow, CreateButton};

use super::commands::Said;
use super::Shared;

/// Custom ids of the feedback buttons, followed by the passage id.
const HELPFUL: &str = "feedback:up:";
const NOT_HELPFUL: &str = "feedback:down:";

/// The buttons under an answer quoting `passage`, when its id fits a custom id (100 characters).
pub(crate) fn buttons(passage: &str) -> Option<Vec<CreateActionRow>> {
    (NOT_HELPFUL.len() + passage.len() <= 100).then(|| {
        vec![CreateActionRow::Buttons(vec![
            CreateButton::new(format!("{HELPFUL}{passage}")).label("Helpful").style(ButtonStyle::Success),
            CreateButton::new(format!("{NOT_HELPFUL}{passage}")).label("Not helpful").style(ButtonStyle::Secondary),
        ])]
    })
}

/// What the person who clicked is told.
pub(crate) async fn clicked(shared: &Shared, click: &ComponentInteraction) -> Said {
    let id = click.data.custom_id.as_str();
    let (helpful, passage) = match (id.strip_prefix(HELPFUL), id.strip_prefix(NOT_HELPFUL)) {
        (Some(passage), _) => (true, passage.to_owned()),
        (_, Some(passage)) => (false, passage.to_owned()),
        _ => return Said::private("This button is no longer in use."),
    };
    let (person, answer) = (click.user.id.get(), click.message.id.get());
    Said::private(match shared.staff.vote(person, answer, &passage, helpful).await {
        Ok(true) => "Thanks, that helps the clinic improve its answers.",
        Ok(false) => "You already gave feedback on this answer, thank you.",
        Err(error) => {
            tracing::warn!(%error, "cannot save feedback");
            "Sorry, your feedback could not be saved."
        }
    })
}
