//! Every body the bot sends leaves through here: fitted to Discord's limits, pinging nobody,
//! a reply that is still delivered when its question was deleted meanwhile, one retry after a
//! 429 that reached the bot, and every interaction answered once within Discord's 3 s (work
//! that may take longer is deferred first, then put in place of the deferral).
//!
//! This module owns how things are sent; what is said comes from the commands and the
//! conversation.

use std::time::Duration;

use serenity::all::{
    ChannelId, CommandInteraction, ComponentInteraction, CreateInteractionResponse, CreateInteractionResponseMessage,
    CreateMessage, EditInteractionResponse, Http, Message, MessageReference, ModalInteraction,
};

use super::commands::{Reply, Said};
use super::conversation::Outgoing;
use super::limits::{fit, Limit};
use super::{feedback, no_pings};

/// How long a command's work may run before its interaction is deferred: Discord refuses a
/// response that arrives 3 s after the event, and on a busy machine the event reaches the
/// handler, and the deferral the wire, up to about a second late (measured in the burst test
/// with a build running beside it).
const DEFER_AFTER: Duration = Duration::from_secs(1);

/// How long to wait before retrying a message refused with 429. serenity's own limiter is off
/// behind a REST proxy, and serenity does not hand the bot Discord's `retry_after`.
const RATE_LIMIT_BACKOFF: Duration = Duration::from_secs(1);

/// An interaction waiting for its one initial response.
#[derive(Clone, Copy)]
pub(crate) enum Pending<'a> {
    Command(&'a CommandInteraction),
    Modal(&'a ModalInteraction),
    Click(&'a ComponentInteraction),
}

impl Pending<'_> {
    async fn create(self, http: &Http, response: CreateInteractionResponse) -> serenity::Result<()> {
        match self {
            Pending::Command(command) => command.create_response(http, response).await,
            Pending::Modal(modal) => modal.create_response(http, response).await,
            Pending::Click(click) => click.create_response(http, response).await,
        }
    }

    async fn edit(self, http: &Http, edit: EditInteractionResponse) -> serenity::Result<Message> {
        match self {
            Pending::Command(command) => command.edit_response(http, edit).await,
            Pending::Modal(modal) => modal.edit_response(http, edit).await,
            Pending::Click(click) => click.edit_response(http, edit).await,
        }
    }
}

/// Answers an interaction with `reply`: at once, or deferred and then edited when the work
/// is not done within [`DEFER_AFTER`].
pub(crate) async fn respond(http: &Http, pending: Pending<'_>, reply: Reply<'_>) -> serenity::Result<()> {
    let (private, mut work) = match reply {
        Reply::Now(said) => return pending.create(http, CreateInteractionResponse::Message(message(said))).await,
        Reply::Form(form) => return pending.create(http, CreateInteractionResponse::Modal(form)).await,
        Reply::Later { private, work } => (private, work),
    };
    tokio::select! {
        said = &mut work => return pending.create(http, CreateInteractionResponse::Message(message(said))).await,
        () = tokio::time::sleep(DEFER_AFTER) => {}
    }
    // Whether the answer is private is decided by the deferral: the edit cannot change it.
    let deferral = CreateInteractionResponseMessage::new().ephemeral(private);
    let deferred = pending.create(http, CreateInteractionResponse::Defer(deferral)).await;
    // The work finishes even if Discord refused the deferral: a FAQ edit stopped between its
    // write and its reload is worse than a lost message.
    let said = work.await;
    deferred?;
    let mut edit = EditInteractionResponse::new().content(fit(&said.text, Limit::Content)).allowed_mentions(no_pings());
    if let Some(buttons) = said.passage.as_deref().and_then(feedback::buttons) {
        edit = edit.components(buttons);
    }
    pending.edit(http, edit).await.map(drop)
}

fn message(said: Said) -> CreateInteractionResponseMessage {
    let mut message = CreateInteractionResponseMessage::new()
        .content(fit(&said.text, Limit::Content))
        .allowed_mentions(no_pings())
        .ephemeral(said.private);
    if let Some(buttons) = said.passage.as_deref().and_then(feedback::buttons) {
        message = message.components(buttons);
    }
    message
}

/// Replies to `question` in its channel. A question deleted meanwhile still gets the reply,
/// red-flag notice included, as a plain message: Discord would refuse the whole reply otherwise.
pub(crate) async fn reply(http: &Http, question: &Message, outgoing: Outgoing) {
    let reference = MessageReference::from(question).fail_if_not_exists(false);
    let mut reply = CreateMessage::new()
        .content(fit(&outgoing.text, Limit::Content))
        .allowed_mentions(no_pings())
        .reference_message(reference);
    if let Some(buttons) = outgoing.passage.as_deref().and_then(feedback::buttons) {
        reply = reply.components(buttons);
    }
    post(http, question.channel_id, reply).await;
}

/// Posts `text` in `channel` (the staff channel's reports).
pub(crate) async fn to_channel(http: &Http, channel: ChannelId, text: &str) {
    post(http, channel, CreateMessage::new().content(fit(text, Limit::Content)).allowed_mentions(no_pings())).await;
}

async fn post(http: &Http, channel: ChannelId, message: CreateMessage) {
    let mut outcome = channel.send_message(http, message.clone()).await;
    if outcome.as_ref().is_err_and(is_rate_limited) {
        tokio::time::sleep(RATE_LIMIT_BACKOFF).await;
        outcome = channel.send_message(http, message).await;
    }
    if let Err(error) = outcome {
        tracing::warn!(%error, "cannot send a message");
    }
}

fn is_rate_limited(error: &serenity::Error) -> bool {
    matches!(error, serenity::Error::Http(http) if http.status_code().is_some_and(|s| s.as_u16() == 429))
}
