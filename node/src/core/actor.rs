//! Who asked for an operation: a person's name as the CLI knows it (the OS user, or `--as NAME`)
//! and, later, an account of the web console. Every operation that changes the node carries one,
//! and the change records it (the automerge change message of a draft edit, the history of a
//! review), so that "who changed this" has an answer without a retrofit.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest actor name, in characters: the bound of a person's name in the signed objects that
/// carry it (a submission, a review decision).
pub use protocol::limits::ACTOR_NAME_CHARS_MAX;

/// A person (or the node itself) on whose behalf an operation runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Actor(String);

/// Why a name cannot be an actor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActorError {
    #[error("{}", crate::t!("node.actor.empty"))]
    Empty,
    #[error("{}", crate::t!("node.actor.too_long", max = ACTOR_NAME_CHARS_MAX))]
    TooLong,
    #[error("{}", crate::t!("node.actor.control_character"))]
    ControlCharacter,
}

impl Actor {
    /// A name given by a person (`--as 张三`), trimmed.
    pub fn new(name: &str) -> Result<Actor, ActorError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ActorError::Empty);
        }
        if name.chars().count() > ACTOR_NAME_CHARS_MAX {
            return Err(ActorError::TooLong);
        }
        if name.chars().any(char::is_control) {
            return Err(ActorError::ControlCharacter);
        }
        Ok(Actor(name.to_owned()))
    }

    /// The user the process runs as (`$USER`, else `$LOGNAME`), else "unknown".
    pub fn os_user() -> Actor {
        ["USER", "LOGNAME", "USERNAME"]
            .iter()
            .filter_map(|variable| std::env::var(variable).ok())
            .find_map(|name| Actor::new(&name).ok())
            .unwrap_or_else(Actor::unknown)
    }

    /// Work the node does of itself (syncing, consolidating), and callers that name nobody.
    pub fn node() -> Actor {
        Actor("huizong".to_owned())
    }

    fn unknown() -> Actor {
        Actor("unknown".to_owned())
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.0
    }

    /// The name as a signed submission or decision carries it (`submitted_by`, `decided_by`):
    /// the bounds of an actor are those of a person's name in a signed object.
    pub fn signed_name(&self) -> String {
        debug_assert!(protocol::person::check_person_name(&self.0).is_ok());
        self.0.clone()
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl TryFrom<String> for Actor {
    type Error = ActorError;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        Actor::new(&name)
    }
}

impl From<Actor> for String {
    fn from(actor: Actor) -> String {
        actor.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert_eq!(Actor::new(" 张三 ").unwrap().name(), "张三");
        assert_eq!(Actor::new(""), Err(ActorError::Empty));
        assert_eq!(Actor::new("a\nb"), Err(ActorError::ControlCharacter));
        assert_eq!(Actor::new(&"x".repeat(65)), Err(ActorError::TooLong));
        // Whatever makes an actor makes a name a signed object carries.
        for actor in [
            Actor::new(&"名".repeat(ACTOR_NAME_CHARS_MAX)).unwrap(),
            Actor::node(),
            Actor::os_user(),
        ] {
            assert_eq!(
                protocol::person::check_person_name(&actor.signed_name()),
                Ok(())
            );
        }
        let json = serde_json::to_string(&Actor::new("李四").unwrap()).unwrap();
        assert_eq!(json, "\"李四\"");
        assert!(serde_json::from_str::<Actor>("\"\"").is_err());
    }
}
