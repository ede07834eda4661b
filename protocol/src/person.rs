//! The name of the person on whose behalf a node signs a submission or a review decision.
//!
//! A node signs with its own key; the person is who ran the operation there (`huizong --as 张三
//! submit`, `huizong --as 李四 review`). The name is inside the signed payload, so nobody on the
//! way can change it without breaking the signature. It is what the signing node states: it
//! proves who the node says acted, no more than the node's signature proves.

use crate::limits::ACTOR_NAME_CHARS_MAX;

/// Checks a person's name in a signed object: not blank, at most [`ACTOR_NAME_CHARS_MAX`]
/// characters, no control characters (it is printed on one line).
pub fn check_person_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("a person's name must not be blank".to_owned());
    }
    if name.chars().count() > ACTOR_NAME_CHARS_MAX {
        return Err(format!(
            "a person's name has at most {ACTOR_NAME_CHARS_MAX} characters"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("a person's name must not hold control characters".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_bounded_and_printable() {
        assert!(check_person_name("张三").is_ok());
        assert!(check_person_name(&"名".repeat(ACTOR_NAME_CHARS_MAX)).is_ok());
        assert!(check_person_name(&"名".repeat(ACTOR_NAME_CHARS_MAX + 1)).is_err());
        assert!(check_person_name("").is_err());
        assert!(check_person_name("  ").is_err());
        assert!(check_person_name("张\n三").is_err());
        assert!(check_person_name("张\u{7}三").is_err());
    }
}
