//! Exact decoding: a postcard value that fills its bytes, no more.
//!
//! postcard stops reading once it has a value and leaves the rest unread, so without this check a
//! peer could append bytes to a message or an envelope that every receiver ignores, and two
//! different byte strings would carry the same meaning. Everything a peer or the disk hands us is
//! decoded here, and trailing bytes are refused.

use serde::de::DeserializeOwned;

/// Decodes `bytes` as one `T` and refuses bytes left over after it.
pub fn decode_exact<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let (value, rest) = postcard::take_from_bytes(bytes).map_err(|error| error.to_string())?;
    if !rest.is_empty() {
        return Err(format!(
            "{} trailing bytes after the encoded value",
            rest.len()
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_trailing_bytes_and_accepts_an_exact_encoding() {
        let mut bytes = postcard::to_stdvec(&(7u32, "seven".to_owned())).unwrap();
        assert_eq!(
            decode_exact::<(u32, String)>(&bytes).unwrap(),
            (7, "seven".to_owned())
        );
        bytes.push(0);
        let error = decode_exact::<(u32, String)>(&bytes).unwrap_err();
        assert!(error.contains("1 trailing bytes"), "{error}");
    }
}
