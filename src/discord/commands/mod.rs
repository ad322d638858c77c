//! The slash commands, one file each, and the one list ([`ALL`]) that drives both their
//! registration and their dispatch: adding a command is a new file and a line in that list.
//!
//! A command is its definition, its option parsing and a run function that returns a typed
//! [`Reply`]. Sending, deferring work that may outlast Discord's 3 s and fitting Discord's
//! limits are the handler's, so no command can forget them. `staff_only` drives both the
//! permission bits that hide a command from members and the refusal at run time, which stays
//! because server admins can change who sees a command.

mod ask;
pub(crate) mod faq;
mod reload;
mod topics;
mod unanswered;

use std::future::Future;
use std::pin::Pin;

use serenity::all::{
    CommandDataOptionValue, CommandInteraction, CreateAutocompleteResponse, CreateCommand, CreateModal,
    InteractionContext, Member, Permissions,
};

use super::conversation::Outgoing;
use super::Shared;
use crate::config::Config;

/// Every slash command, in the order they are registered.
pub(crate) const ALL: &[SlashCommand] =
    &[ask::COMMAND, topics::COMMAND, reload::COMMAND, faq::COMMAND, unanswered::COMMAND];

pub(crate) type Work<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub(crate) struct SlashCommand {
    pub name: &'static str,
    /// Hidden from members without Manage Server, guild-only, and refused at run time to
    /// anyone who is not staff.
    pub staff_only: bool,
    /// The description and options; the name and the staff bits are added from the fields.
    define: fn(CreateCommand) -> CreateCommand,
    pub run: for<'a> fn(&'a Shared, &'a CommandInteraction) -> Work<'a, Reply<'a>>,
    /// Suggestions for an option being typed, if the command has any.
    pub autocomplete: Option<fn(&Shared, &CommandInteraction) -> CreateAutocompleteResponse>,
}

impl SlashCommand {
    pub fn definition(&self) -> CreateCommand {
        let command = (self.define)(CreateCommand::new(self.name));
        if self.staff_only {
            command.default_member_permissions(Permissions::MANAGE_GUILD).contexts(vec![InteractionContext::Guild])
        } else {
            command
        }
    }
}

/// The command named `name`.
pub(crate) fn find(name: &str) -> Option<&'static SlashCommand> {
    ALL.iter().find(|command| command.name == name)
}

/// What a command answers.
pub(crate) enum Reply<'a> {
    /// A message, sent at once.
    Now(Said),
    /// A form to fill in; always at once, since a form cannot follow a deferral.
    Form(CreateModal),
    /// Work that may outlast Discord's 3 s (a reload, a FAQ edit, the embedding queue in a
    /// burst): sent at once if it is quick, otherwise deferred (privately if `private`) and
    /// then put in place of the deferral.
    Later { private: bool, work: Work<'a, Said> },
}

/// A message to the person who used a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Said {
    pub text: String,
    /// Only the person who used the command sees it.
    pub private: bool,
    /// The passage quoted, for the feedback buttons.
    pub passage: Option<String>,
}

impl Said {
    pub fn private(text: impl Into<String>) -> Said {
        Said { text: text.into(), private: true, passage: None }
    }

    pub fn outgoing(outgoing: Outgoing, private: bool) -> Said {
        Said { text: outgoing.text, private, passage: outgoing.passage }
    }
}

/// Staff: a member with a configured staff role, or with the Manage Server permission.
/// Nobody is staff in a direct message.
pub(crate) fn is_staff(config: &Config, member: Option<&Member>) -> bool {
    let Some(member) = member else { return false };
    let staff_roles = &config.discord.staff_role_ids;
    member.roles.iter().any(|role| staff_roles.contains(&role.get()))
        || member.permissions.is_some_and(|p| p.contains(Permissions::MANAGE_GUILD))
}

/// The string option `name` of a command (or of its subcommand), if it was given.
fn string_option<'a>(options: &'a [serenity::all::CommandDataOption], name: &str) -> Option<&'a str> {
    options.iter().find_map(|option| match &option.value {
        CommandDataOptionValue::String(text) if option.name == name => Some(text.as_str()),
        CommandDataOptionValue::SubCommand(inner) => string_option(inner, name),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_staff_commands_carry_their_permission_bits() {
        let mut names: Vec<&str> = ALL.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        for command in ALL {
            let json = serde_json::to_value(command.definition()).unwrap();
            assert_eq!(json["name"], command.name);
            if command.staff_only {
                assert_eq!(json["default_member_permissions"], "32", "{}", command.name);
                assert_eq!(json["contexts"], serde_json::json!([0]), "{}", command.name);
            } else {
                assert!(json["default_member_permissions"].is_null(), "{}", command.name);
            }
        }
    }
}
