//! Length-prefixed frames over a byte stream, with a hard maximum size.
//!
//! A frame is a 4-byte big-endian length followed by that many bytes. The decoder refuses a length
//! above [`MAX_FRAME_BYTES`] as soon as it has read the prefix, before allocating for the body.

use crate::limits::MAX_FRAME_BYTES;

/// Bytes of the length prefix.
pub const FRAME_PREFIX_BYTES: usize = 4;

/// A frame the peer sent that cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame of {length} bytes exceeds the maximum of {MAX_FRAME_BYTES}")]
    TooLarge { length: usize },
    #[error("the stream ended inside a frame ({buffered} bytes buffered)")]
    Truncated { buffered: usize },
}

/// Prefixes a body with its length. The body must respect the maximum: our own oversized frame is
/// a bug, reported as an error so the caller can name what was too large.
pub fn encode_frame(body: &[u8]) -> Result<Vec<u8>, FrameError> {
    if body.len() > MAX_FRAME_BYTES {
        return Err(FrameError::TooLarge { length: body.len() });
    }
    let mut frame = Vec::with_capacity(FRAME_PREFIX_BYTES + body.len());
    // The check above bounds the length far below u32::MAX.
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(body);
    Ok(frame)
}

/// Reassembles frames from stream reads of any size. Consumed bytes are dropped once per push,
/// not once per frame, so a read full of tiny frames costs time linear in its size.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buffer: Vec<u8>,
    /// Where the next frame starts in `buffer`; everything before it has been returned.
    start: usize,
}

impl FrameDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 {
            self.buffer.drain(..self.start);
            self.start = 0;
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete frame body, if one is buffered. A declared length over the maximum is an
    /// error at once, whatever has arrived of the body.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        let pending = &self.buffer[self.start..];
        if pending.len() < FRAME_PREFIX_BYTES {
            return Ok(None);
        }
        let mut prefix = [0u8; FRAME_PREFIX_BYTES];
        prefix.copy_from_slice(&pending[..FRAME_PREFIX_BYTES]);
        let length = u32::from_be_bytes(prefix) as usize;
        if length > MAX_FRAME_BYTES {
            return Err(FrameError::TooLarge { length });
        }
        if pending.len() < FRAME_PREFIX_BYTES + length {
            return Ok(None);
        }
        let body = pending[FRAME_PREFIX_BYTES..FRAME_PREFIX_BYTES + length].to_vec();
        self.start += FRAME_PREFIX_BYTES + length;
        Ok(Some(body))
    }

    /// Called when the stream ends: leftover bytes mean the peer stopped mid-frame.
    pub fn finish(&self) -> Result<(), FrameError> {
        match self.buffered_bytes() {
            0 => Ok(()),
            buffered => Err(FrameError::Truncated { buffered }),
        }
    }

    /// Bytes buffered but not yet returned as a frame.
    pub fn buffered_bytes(&self) -> usize {
        self.buffer.len() - self.start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reassembles_frames_split_anywhere() {
        let mut stream = encode_frame(b"hello").unwrap();
        stream.extend(encode_frame(b"").unwrap());
        stream.extend(encode_frame(&[7u8; 300]).unwrap());
        for split in 0..stream.len() {
            let mut decoder = FrameDecoder::new();
            let mut frames = Vec::new();
            for chunk in [&stream[..split], &stream[split..]] {
                decoder.push(chunk);
                while let Some(frame) = decoder.next_frame().unwrap() {
                    frames.push(frame);
                }
            }
            assert_eq!(frames, vec![b"hello".to_vec(), Vec::new(), vec![7u8; 300]]);
            decoder.finish().unwrap();
        }
    }

    #[test]
    fn refuses_an_oversized_length_before_the_body_arrives() {
        let mut decoder = FrameDecoder::new();
        decoder.push(&((MAX_FRAME_BYTES as u32) + 1).to_be_bytes());
        assert!(matches!(
            decoder.next_frame(),
            Err(FrameError::TooLarge { .. })
        ));
    }

    #[test]
    fn reports_a_stream_that_ends_mid_frame() {
        let mut decoder = FrameDecoder::new();
        decoder.push(&encode_frame(b"hello").unwrap()[..6]);
        assert_eq!(decoder.next_frame().unwrap(), None);
        assert!(matches!(
            decoder.finish(),
            Err(FrameError::Truncated { buffered: 6 })
        ));
    }
}
