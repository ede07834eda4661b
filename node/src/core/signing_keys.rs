//! The node's own keys: the one it signs with, and the next one it has made in advance.
//!
//! A key is rotated at the root: the operator puts the node's next public key (made with `huizong
//! key new`, whose secret half stays in the node's directory as `node.key.next`) into the topology
//! and publishes it. When that topology reaches the node, the core switches to the next key at
//! once; the driver then renames the files and presents the new key to its peers. New objects are
//! only ever signed with the key the topology in force names as current.

use ed25519_dalek::SigningKey;
use topology::PublicKey;

use super::NodeCore;

/// The public half of a signing key, as the topology names keys.
pub fn public_key(key: &SigningKey) -> PublicKey {
    PublicKey::from_bytes(&key.verifying_key().to_bytes())
        .expect("a signing key's public half is a valid point")
}

impl NodeCore {
    /// Gives the core the key it will switch to when a topology names it (or forgets it).
    /// Switches at once when the topology in force already names it.
    pub fn set_next_key(&mut self, key: Option<SigningKey>) {
        self.next_key = key;
        self.switch_to_next_key_if_named();
    }

    /// The public half of the next key, if the core holds one.
    pub fn next_public_key(&self) -> Option<PublicKey> {
        self.next_key.as_ref().map(public_key)
    }

    /// Whether the topology in force names our signing key as this node's current key. When it
    /// does not (the key was rotated and the next key is missing), the node signs nothing new.
    pub fn signing_key_is_current(&self) -> bool {
        self.current_public_key() == Some(public_key(&self.signing_key))
    }

    /// The key the topology in force names as this node's current key.
    pub fn current_public_key(&self) -> Option<PublicKey> {
        self.topology
            .node(self.code)
            .and_then(|entry| entry.public_key)
    }

    /// Switches to the next key when the topology in force names it as ours; returns whether it
    /// switched.
    pub(super) fn switch_to_next_key_if_named(&mut self) -> bool {
        let named = self.current_public_key();
        let Some(next) = &self.next_key else {
            return false;
        };
        if named != Some(public_key(next)) {
            return false;
        }
        self.signing_key = self.next_key.take().expect("just checked");
        self.generation += 1;
        true
    }
}
