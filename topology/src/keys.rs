//! Node public keys: the ed25519 key that speaks for a division code.
//!
//! A [`PublicKey`] can only hold a canonically encoded ed25519 point that is not of small order, so a
//! key that parsed is a key that can check signatures. In the topology file and in logs a key is
//! written as standard base64 with padding (44 characters); in binary encodings it is the 32 raw
//! bytes. Parse errors say which of these rules the text broke.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, SignatureError, VerifyingKey};
use rust_i18n::t;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::text::display_in_current_language;

/// Number of bytes in an ed25519 public key.
pub const PUBLIC_KEY_BYTES: usize = ed25519_dalek::PUBLIC_KEY_LENGTH;

/// Number of characters in the base64 text of a public key (32 bytes, padded).
///
/// Text longer than this is refused before decoding, so a pasted blob of any size costs nothing.
pub const PUBLIC_KEY_BASE64_CHARS: usize = 44;

/// An ed25519 public key that is canonically encoded and not of small order.
///
/// Two keys are equal when their 32 bytes are equal; they order by those bytes.
#[derive(Clone, Copy)]
pub struct PublicKey(VerifyingKey);

/// Why bytes or text are not a usable public key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The text is longer than any base64 encoding of 32 bytes.
    TextTooLong { length: usize },
    /// The text is not standard padded base64.
    NotBase64 { source: base64::DecodeError },
    /// The text decodes, but not to 32 bytes.
    WrongLength { length: usize },
    /// The 32 bytes are not the encoding of a point on the ed25519 curve.
    NotCurvePoint,
    /// The bytes name a valid point, but not in its one canonical encoding.
    NonCanonical,
    /// The point has small order, so almost any signature would verify under it.
    Weak,
}

impl KeyError {
    /// What is wrong with the key, in a language of the catalogues (`"zh-CN"`, `"en"`).
    pub fn localized(&self, locale: &str) -> String {
        match self {
            KeyError::TextTooLong { length } => t!(
                "topology.key.text_too_long",
                locale = locale,
                length = length,
                expected = PUBLIC_KEY_BASE64_CHARS
            ),
            KeyError::NotBase64 { source } => {
                t!("topology.key.not_base64", locale = locale, reason = source)
            }
            KeyError::WrongLength { length } => t!(
                "topology.key.wrong_length",
                locale = locale,
                length = length,
                expected = PUBLIC_KEY_BYTES
            ),
            KeyError::NotCurvePoint => t!("topology.key.not_curve_point", locale = locale),
            KeyError::NonCanonical => t!("topology.key.non_canonical", locale = locale),
            KeyError::Weak => t!("topology.key.weak", locale = locale),
        }
        .into_owned()
    }
}

display_in_current_language!(KeyError);

impl PublicKey {
    /// Checks 32 bytes: a canonical encoding of a curve point that is not of small order.
    pub fn from_bytes(bytes: &[u8; PUBLIC_KEY_BYTES]) -> Result<Self, KeyError> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| KeyError::NotCurvePoint)?;
        // Decompression accepts a few non-canonical encodings; compressing the point again shows them.
        if VerifyingKey::from(key.to_edwards()).as_bytes() != bytes {
            return Err(KeyError::NonCanonical);
        }
        if key.is_weak() {
            return Err(KeyError::Weak);
        }
        Ok(Self(key))
    }

    /// Checks an ed25519-dalek key with the same rules as [`PublicKey::from_bytes`].
    pub fn from_verifying_key(key: &VerifyingKey) -> Result<Self, KeyError> {
        Self::from_bytes(key.as_bytes())
    }

    /// Parses standard padded base64 of 32 key bytes.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let length = text.chars().count();
        if length > PUBLIC_KEY_BASE64_CHARS {
            return Err(KeyError::TextTooLong { length });
        }
        let bytes = BASE64
            .decode(text)
            .map_err(|source| KeyError::NotBase64 { source })?;
        let bytes: [u8; PUBLIC_KEY_BYTES] =
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| KeyError::WrongLength {
                    length: bytes.len(),
                })?;
        Self::from_bytes(&bytes)
    }

    /// The 32 key bytes.
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_BYTES] {
        self.0.as_bytes()
    }

    /// The key as ed25519-dalek uses it.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.0
    }

    /// Checks `signature` over `message` with the strict rules (no malleable or small-order values).
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), SignatureError> {
        self.0.verify_strict(message, signature)
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for PublicKey {}

impl Hash for PublicKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl PartialOrd for PublicKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PublicKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl FromStr for PublicKey {
    type Err = KeyError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&BASE64.encode(self.as_bytes()))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "PublicKey({self})")
    }
}

impl TryFrom<&[u8; PUBLIC_KEY_BYTES]> for PublicKey {
    type Error = KeyError;
    fn try_from(bytes: &[u8; PUBLIC_KEY_BYTES]) -> Result<Self, Self::Error> {
        Self::from_bytes(bytes)
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            // A fixed-size array is a tuple to serde: binary formats write the 32 bytes with no length.
            self.as_bytes().serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            Self::parse(&text).map_err(serde::de::Error::custom)
        } else {
            let bytes = <[u8; PUBLIC_KEY_BYTES]>::deserialize(deserializer)?;
            Self::from_bytes(&bytes).map_err(serde::de::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signer, SigningKey};

    use super::*;

    fn sample_key() -> PublicKey {
        let signing_key = SigningKey::from_bytes(&[7; 32]);
        PublicKey::from_verifying_key(&signing_key.verifying_key()).unwrap()
    }

    #[test]
    fn text_form_round_trips() {
        let key = sample_key();
        let text = key.to_string();
        assert_eq!(text.len(), PUBLIC_KEY_BASE64_CHARS);
        assert_eq!(text.parse::<PublicKey>().unwrap(), key);
        assert_eq!(PublicKey::from_bytes(key.as_bytes()).unwrap(), key);
    }

    #[test]
    fn refuses_text_that_is_not_a_key_and_says_why() {
        assert!(matches!(
            PublicKey::parse("not base64!"),
            Err(KeyError::NotBase64 { .. })
        ));
        assert!(matches!(
            PublicKey::parse("AAAA"),
            Err(KeyError::WrongLength { length: 3 })
        ));
        let too_long = "A".repeat(PUBLIC_KEY_BASE64_CHARS + 4);
        assert!(matches!(
            PublicKey::parse(&too_long),
            Err(KeyError::TextTooLong { .. })
        ));
        // The identity point (y = 1) has small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(PublicKey::from_bytes(&identity), Err(KeyError::Weak));
        // y = 2 is not the y coordinate of any curve point.
        let mut off_curve = [0u8; 32];
        off_curve[0] = 2;
        assert_eq!(
            PublicKey::from_bytes(&off_curve),
            Err(KeyError::NotCurvePoint)
        );
        // y = p + 1 (with p = 2^255 - 19) encodes the identity non-canonically.
        let mut non_canonical = [0xff_u8; 32];
        non_canonical[0] = 0xee;
        non_canonical[31] = 0x7f;
        assert_eq!(
            PublicKey::from_bytes(&non_canonical),
            Err(KeyError::NonCanonical)
        );
        let message = PublicKey::parse("AAAA").unwrap_err().localized("en");
        assert!(message.contains("3 bytes"), "{message}");
    }

    #[test]
    fn verifies_signatures_strictly() {
        let signing_key = SigningKey::from_bytes(&[7; 32]);
        let key = sample_key();
        let signature = signing_key.sign(b"message");
        assert!(key.verify(b"message", &signature).is_ok());
        assert!(key.verify(b"other message", &signature).is_err());
    }
}
