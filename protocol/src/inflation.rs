//! Bounded inflation: automerge data is made uncompressed here, against a budget, before
//! automerge sees it.
//!
//! automerge 0.12 inflates DEFLATE data wherever its format allows it, without any limit: a
//! compressed change chunk (type 2) is a whole change chunk deflated, and a document chunk
//! (type 0) may deflate any of its columns. DEFLATE reaches about 1,000:1 on repetitive input,
//! so one 1 MiB message could make a parent allocate a gigabyte. Its columns are also run-length
//! encoded, so even an uncompressed chunk of a few bytes can claim billions of operations.
//!
//! The rewriter walks the chunks of a buffer and returns an equivalent buffer in which
//! nothing is compressed, exactly as automerge would have inflated it: a compressed change chunk
//! becomes the change chunk it holds (type 1, with the same checksum, which automerge checks
//! against the inflated bytes), and a document chunk with deflated columns becomes one with every
//! column inflated, the deflate bit of each column cleared, the lengths rewritten and the header
//! checksum computed anew (after the old one was checked, so a bad chunk stays bad). Each
//! compressed piece is inflated exactly once, streaming into the output, and the output never
//! grows past what the budget allows: inflation is refused at the first byte beyond it. The
//! operations each chunk claims are counted from the run lengths of its action column, without
//! expanding them, against the same budget. automerge then loads the uncompressed output and
//! never inflates anything itself: inflation is counted in the pass that loads, not in a second
//! one. Bundles (type 3) are never produced by huizong and are refused, and so is anything that
//! is not a sequence of whole chunks.
//!
//! The budget is the document's ([`DocumentBudget`]): inflated bytes and operations summed over
//! every message of one pull, or over every chunk of one stored or restored document, and, for a
//! peer's message, also the per-message cap ([`InflationLimits`]). The helpers on top are
//! [`DocumentBudget::rewrite_sync_message`] for a peer's automerge sync message and
//! [`load_document`] for a save followed by incremental chunks.

use std::fmt;
use std::io::Read;

use automerge::Automerge;
use automerge::sync::{ChunkList, Message as SyncMessage};
use sha2::{Digest, Sha256};

use crate::limits::InflationLimits;

/// The bytes every automerge chunk starts with.
const MAGIC_BYTES: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// Chunk types (the byte after the checksum).
const CHUNK_DOCUMENT: u8 = 0;
const CHUNK_CHANGE: u8 = 1;
const CHUNK_COMPRESSED_CHANGE: u8 = 2;
const CHUNK_BUNDLE: u8 = 3;
/// The bit of a column specification that says its data is deflated.
const COLUMN_DEFLATE_BIT: u32 = 0b1000;
/// The action column (column id 4, integer type) of change and document op columns: one row per
/// operation, and automerge reads exactly as many operations as it has rows.
const ACTION_COLUMN_SPEC: u32 = (4 << 4) | 2;
/// Bytes read from a DEFLATE stream at a time: the output grows by at most this much past what
/// the budget allows before the stream is refused.
const INFLATE_STEP_BYTES: usize = 64 * 1024;
/// Bytes of a change hash in a document chunk's heads.
const HASH_BYTES: usize = 32;

/// Which cap a piece of data went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    /// The cap of one message: its wire bytes times the ratio, at least the floor.
    Message { wire_bytes: u64 },
    /// The cap of one document, across every message of one pull or every chunk of one load.
    Document,
}

impl fmt::Display for Cap {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cap::Message { wire_bytes } => {
                write!(
                    formatter,
                    "per-message cap (for {wire_bytes} bytes on the wire)"
                )
            }
            Cap::Document => write!(formatter, "per-document cap"),
        }
    }
}

/// What was measured against a cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Bytes once inflated.
    InflatedBytes,
    /// Operations claimed by the chunks' action columns.
    Operations,
}

impl fmt::Display for Measure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Measure::InflatedBytes => write!(formatter, "inflated bytes"),
            Measure::Operations => write!(formatter, "operations"),
        }
    }
}

/// Data went past a cap. Inflation stops at the first byte (or operation) beyond the cap, so
/// `reached` is how far it got, not the whole: the data would have been at least that large.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "at least {reached} {measure}, past the {cap} of {limit} {measure} (by at least {over})",
    over = reached.saturating_sub(*limit)
)]
pub struct CapExceeded {
    pub cap: Cap,
    pub measure: Measure,
    pub limit: u64,
    pub reached: u64,
}

/// Why automerge data was not made uncompressed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InflationError {
    #[error("{0}")]
    Cap(#[from] CapExceeded),
    #[error("malformed chunk at byte {offset}: {reason}")]
    Malformed { offset: usize, reason: &'static str },
    #[error("a bundle chunk at byte {offset}: bundles are not accepted")]
    Bundle { offset: usize },
}

/// Why a document could not be loaded within its budget.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("chunk {index}: {source}")]
    Inflation {
        index: usize,
        source: InflationError,
    },
    #[error("chunk {index}: {reason}")]
    Automerge { index: usize, reason: String },
}

/// What one document has inflated to so far, and what it may still inflate to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentBudget {
    limits: InflationLimits,
    inflated_bytes: u64,
    operations: u64,
}

impl DocumentBudget {
    pub fn new(limits: InflationLimits) -> Self {
        Self {
            limits,
            inflated_bytes: 0,
            operations: 0,
        }
    }

    /// Bytes the document's data has inflated to so far (uncompressed data counts as itself).
    pub fn inflated_bytes(&self) -> u64 {
        self.inflated_bytes
    }

    /// Operations the document's chunks have claimed so far.
    pub fn operations(&self) -> u64 {
        self.operations
    }

    /// The rewriter for data charged to this document only (a stored or restored document).
    fn document_rewriter(&self) -> Rewriter {
        Rewriter {
            byte_limit: self
                .limits
                .document_bytes
                .saturating_sub(self.inflated_bytes),
            byte_cap: Cap::Document,
            byte_cap_limit: self.limits.document_bytes,
            byte_base: self.inflated_bytes,
            operation_limit: self
                .limits
                .document_operations
                .saturating_sub(self.operations),
            operation_base: self.operations,
            operation_cap_limit: self.limits.document_operations,
            inflated_bytes: 0,
            operations: 0,
        }
    }

    /// The rewriter for one peer message of `wire_bytes`: the per-message cap, or what is left of
    /// the document's, whichever is smaller.
    fn message_rewriter(&self, wire_bytes: u64) -> Rewriter {
        let mut rewriter = self.document_rewriter();
        let message_limit = self
            .limits
            .message_ratio
            .saturating_mul(wire_bytes)
            .max(self.limits.message_floor_bytes);
        if message_limit < rewriter.byte_limit {
            rewriter.byte_limit = message_limit;
            rewriter.byte_cap = Cap::Message { wire_bytes };
            rewriter.byte_cap_limit = message_limit;
            rewriter.byte_base = 0;
        }
        rewriter
    }

    fn charge(&mut self, rewriter: &Rewriter) {
        self.inflated_bytes = self.inflated_bytes.saturating_add(rewriter.inflated_bytes);
        self.operations = self.operations.saturating_add(rewriter.operations);
    }

    /// Rewrites stored or restored chunks uncompressed, charged to this document. Nothing is
    /// charged if they are refused.
    pub fn rewrite(&mut self, chunks: &[u8]) -> Result<Vec<u8>, InflationError> {
        let mut rewriter = self.document_rewriter();
        let output = rewriter.rewrite(chunks)?;
        self.charge(&rewriter);
        Ok(output)
    }

    /// Rewrites chunks a peer sent uncompressed (a restore page's save, say), within the
    /// per-message cap for their own size and what is left of this document's. Nothing is
    /// charged if they are refused.
    pub fn rewrite_message(&mut self, chunks: &[u8]) -> Result<Vec<u8>, InflationError> {
        let mut rewriter = self.message_rewriter(chunks.len() as u64);
        let output = rewriter.rewrite(chunks)?;
        self.charge(&rewriter);
        Ok(output)
    }

    /// Rewrites the changes of a peer's sync message uncompressed, within the per-message cap
    /// for its `wire_bytes` and what is left of this document's. Nothing is charged if refused.
    pub fn rewrite_sync_message(
        &mut self,
        mut message: SyncMessage,
        wire_bytes: u64,
    ) -> Result<SyncMessage, InflationError> {
        let mut rewriter = self.message_rewriter(wire_bytes);
        let mut changes = Vec::with_capacity(message.changes.len());
        for chunks in message.changes.iter() {
            changes.push(rewriter.rewrite(chunks)?);
        }
        message.changes = ChunkList::from(changes);
        self.charge(&rewriter);
        Ok(message)
    }
}

/// Loads a document from a save and the incremental chunks stored after it (each possibly
/// several automerge chunks), every byte and operation charged to one document budget before
/// automerge allocates for it.
pub fn load_document<'a>(
    chunks: impl IntoIterator<Item = &'a [u8]>,
    limits: InflationLimits,
) -> Result<(Automerge, DocumentBudget), LoadError> {
    let mut budget = DocumentBudget::new(limits);
    let mut document: Option<Automerge> = None;
    for (index, chunk) in chunks.into_iter().enumerate() {
        let uncompressed = budget
            .rewrite(chunk)
            .map_err(|source| LoadError::Inflation { index, source })?;
        let automerge_error = |error: automerge::AutomergeError| LoadError::Automerge {
            index,
            reason: error.to_string(),
        };
        match document.as_mut() {
            None => document = Some(Automerge::load(&uncompressed).map_err(automerge_error)?),
            Some(document) => {
                document
                    .load_incremental(&uncompressed)
                    .map_err(automerge_error)?;
            }
        }
    }
    Ok((document.unwrap_or_default(), budget))
}

/// One rewrite: the allowance left and what has been used of it.
#[derive(Debug)]
struct Rewriter {
    /// Output bytes this rewrite may produce.
    byte_limit: u64,
    /// The cap `byte_limit` comes from, its full size, and what was already used of it before
    /// this rewrite (for the error).
    byte_cap: Cap,
    byte_cap_limit: u64,
    byte_base: u64,
    /// Operations this rewrite may claim, the cap's full size and what was used before.
    operation_limit: u64,
    operation_cap_limit: u64,
    operation_base: u64,
    /// Output bytes and operations so far.
    inflated_bytes: u64,
    operations: u64,
}

fn malformed(offset: usize, reason: &'static str) -> InflationError {
    InflationError::Malformed { offset, reason }
}

/// A position in a byte slice, reading automerge's LEB128 numbers.
#[derive(Debug, Clone, Copy)]
struct Cursor<'a> {
    bytes: &'a [u8],
    position: usize,
    /// Where `bytes` starts in the whole buffer, for errors.
    base: usize,
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8], base: usize) -> Self {
        Self {
            bytes,
            position: 0,
            base,
        }
    }

    fn offset(&self) -> usize {
        self.base + self.position
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.position
    }

    fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    fn take(&mut self, n_bytes: usize, what: &'static str) -> Result<&'a [u8], InflationError> {
        if n_bytes > self.remaining() {
            return Err(malformed(self.offset(), what));
        }
        let taken = &self.bytes[self.position..self.position + n_bytes];
        self.position += n_bytes;
        Ok(taken)
    }

    fn unsigned(&mut self, what: &'static str) -> Result<u64, InflationError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1, what)?[0];
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(malformed(self.offset(), what));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(malformed(self.offset(), what))
    }

    fn signed(&mut self, what: &'static str) -> Result<i64, InflationError> {
        let mut value = 0i64;
        let mut shift = 0u32;
        loop {
            let byte = self.take(1, what)?[0];
            if shift == 63 && byte != 0 && byte != 0x7f {
                return Err(malformed(self.offset(), what));
            }
            value |= i64::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                if shift < 64 && byte & 0x40 != 0 {
                    value |= -1i64 << shift;
                }
                return Ok(value);
            }
            if shift > 63 {
                return Err(malformed(self.offset(), what));
            }
        }
    }

    /// A length that must fit in the bytes left.
    fn length(&mut self, what: &'static str) -> Result<usize, InflationError> {
        let length = self.unsigned(what)?;
        usize::try_from(length)
            .ok()
            .filter(|length| *length <= self.remaining())
            .ok_or_else(|| malformed(self.offset(), what))
    }

    /// A count of items of at least `item_bytes` each, which must fit in the bytes left.
    fn count(&mut self, item_bytes: usize, what: &'static str) -> Result<usize, InflationError> {
        let count = self.unsigned(what)?;
        usize::try_from(count)
            .ok()
            .filter(|count| count.saturating_mul(item_bytes.max(1)) <= self.remaining())
            .ok_or_else(|| malformed(self.offset(), what))
    }
}

/// One column of a chunk: its specification and where its data is in the chunk.
#[derive(Debug, Clone, Copy)]
struct Column {
    spec: u32,
    length: usize,
}

impl Column {
    fn is_deflated(&self) -> bool {
        self.spec & COLUMN_DEFLATE_BIT != 0
    }

    fn is_action(&self) -> bool {
        self.spec & !COLUMN_DEFLATE_BIT == ACTION_COLUMN_SPEC
    }
}

/// Reads a column metadata block: a count, then each column's specification and data length.
fn read_columns(cursor: &mut Cursor<'_>) -> Result<Vec<Column>, InflationError> {
    // Each column takes at least two bytes of metadata.
    let count = cursor.count(2, "column count past the chunk")?;
    let mut columns = Vec::with_capacity(count);
    for _ in 0..count {
        let spec = u32::try_from(cursor.unsigned("column specification")?)
            .map_err(|_| malformed(cursor.offset(), "column specification too large"))?;
        let length = usize::try_from(cursor.unsigned("column length")?)
            .map_err(|_| malformed(cursor.offset(), "column length too large"))?;
        columns.push(Column { spec, length });
    }
    Ok(columns)
}

fn write_columns(columns: &[Column], out: &mut Vec<u8>) {
    write_unsigned(out, columns.len() as u64);
    for column in columns {
        write_unsigned(out, u64::from(column.spec));
        write_unsigned(out, column.length as u64);
    }
}

/// The total data length of some columns, which must fit in `available` bytes.
fn columns_length(
    columns: &[Column],
    available: usize,
    offset: usize,
) -> Result<usize, InflationError> {
    columns
        .iter()
        .try_fold(0usize, |total, column| total.checked_add(column.length))
        .filter(|total| *total <= available)
        .ok_or_else(|| malformed(offset, "column data past the chunk"))
}

/// The data length of rewritten columns.
fn columns_data_length(columns: &[Column]) -> usize {
    columns.iter().map(|column| column.length).sum()
}

/// Appends `value` as an unsigned LEB128 number, as automerge's formats write lengths.
pub fn write_unsigned(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The checksum automerge writes in a chunk's header: the first four bytes of the SHA-256 of the
/// chunk type, the data length and the data.
fn checksum(chunk_type: u8, data: &[u8]) -> [u8; 4] {
    let mut prefix = vec![chunk_type];
    write_unsigned(&mut prefix, data.len() as u64);
    let mut hasher = Sha256::new();
    hasher.update(&prefix);
    hasher.update(data);
    let hash = hasher.finalize();
    [hash[0], hash[1], hash[2], hash[3]]
}

fn header(checksum: [u8; 4], chunk_type: u8, data_length: usize) -> Vec<u8> {
    let mut header = Vec::with_capacity(MAGIC_BYTES.len() + 4 + 1 + 10);
    header.extend_from_slice(&MAGIC_BYTES);
    header.extend_from_slice(&checksum);
    header.push(chunk_type);
    write_unsigned(&mut header, data_length as u64);
    header
}

/// Why rows could not be counted.
#[derive(Debug)]
enum RowsError {
    Malformed(InflationError),
    /// More rows than the limit: how many were counted when it was passed.
    PastLimit(u64),
}

impl From<InflationError> for RowsError {
    fn from(error: InflationError) -> Self {
        RowsError::Malformed(error)
    }
}

/// Rows of a run-length encoded integer column (automerge's RLE: a signed count, then one value
/// repeated that many times, or minus that many literal values, or for zero a count of nulls),
/// read without expanding any run. Stops as soon as the rows pass `limit`.
fn count_rows(column: &[u8], base: usize, limit: u64) -> Result<u64, RowsError> {
    let mut cursor = Cursor::new(column, base);
    let mut rows = 0u64;
    while !cursor.is_empty() {
        let count = cursor.signed("run length")?;
        let run = if count > 0 {
            cursor.unsigned("run value")?;
            count.unsigned_abs()
        } else if count < 0 {
            let literals = count.unsigned_abs();
            if literals > cursor.remaining() as u64 {
                return Err(malformed(cursor.offset(), "literal run past the column").into());
            }
            for _ in 0..literals {
                cursor.unsigned("literal value")?;
            }
            literals
        } else {
            cursor.unsigned("null run length")?
        };
        rows = rows.saturating_add(run);
        if rows > limit {
            return Err(RowsError::PastLimit(rows));
        }
    }
    Ok(rows)
}

impl Rewriter {
    fn bytes_exceeded(&self, reached: u64) -> InflationError {
        CapExceeded {
            cap: self.byte_cap,
            measure: Measure::InflatedBytes,
            limit: self.byte_cap_limit,
            reached: self.byte_base.saturating_add(reached),
        }
        .into()
    }

    /// Charges `n_bytes` of output.
    fn charge_bytes(&mut self, n_bytes: usize) -> Result<(), InflationError> {
        let total = self.inflated_bytes.saturating_add(n_bytes as u64);
        if total > self.byte_limit {
            return Err(self.bytes_exceeded(total));
        }
        self.inflated_bytes = total;
        Ok(())
    }

    /// Copies `bytes` to the output, charged.
    fn copy(&mut self, bytes: &[u8], out: &mut Vec<u8>) -> Result<(), InflationError> {
        self.charge_bytes(bytes.len())?;
        self.grow(out, bytes.len());
        out.extend_from_slice(bytes);
        Ok(())
    }

    /// Makes room for `n_bytes` more in `out` without ever reserving past what the budget allows,
    /// so a bomb cannot make the output's capacity run ahead of the bytes actually admitted.
    fn grow(&self, out: &mut Vec<u8>, n_bytes: usize) {
        let needed = out.len() + n_bytes;
        if needed <= out.capacity() {
            return;
        }
        let allowed_more = self.byte_limit.saturating_sub(self.inflated_bytes);
        let ceiling = out
            .len()
            .saturating_add(usize::try_from(allowed_more).unwrap_or(usize::MAX))
            .max(needed);
        let target = out.capacity().saturating_mul(2).clamp(needed, ceiling);
        out.reserve_exact(target - out.len());
    }

    /// Inflates a DEFLATE stream onto the end of `out`, charged as it goes; refused at the first
    /// step past the budget. Returns the inflated length.
    fn inflate(
        &mut self,
        compressed: &[u8],
        offset: usize,
        out: &mut Vec<u8>,
    ) -> Result<usize, InflationError> {
        let start = out.len();
        let mut decoder = flate2::bufread::DeflateDecoder::new(compressed);
        let mut step = vec![0u8; INFLATE_STEP_BYTES];
        loop {
            let n_bytes = match decoder.read(&mut step) {
                Ok(n_bytes) => n_bytes,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    out.truncate(start);
                    return Err(malformed(offset, "corrupt DEFLATE data"));
                }
            };
            if n_bytes == 0 {
                return Ok(out.len() - start);
            }
            if let Err(error) = self.charge_bytes(n_bytes) {
                out.truncate(start);
                return Err(error);
            }
            self.grow(out, n_bytes);
            out.extend_from_slice(&step[..n_bytes]);
        }
    }

    /// Charges the operations an action column claims.
    fn charge_operations(&mut self, column: &[u8], offset: usize) -> Result<(), InflationError> {
        let left = self.operation_limit.saturating_sub(self.operations);
        match count_rows(column, offset, left) {
            Ok(rows) => {
                self.operations += rows;
                Ok(())
            }
            Err(RowsError::Malformed(error)) => Err(error),
            Err(RowsError::PastLimit(rows)) => Err(CapExceeded {
                cap: Cap::Document,
                measure: Measure::Operations,
                limit: self.operation_cap_limit,
                reached: self
                    .operation_base
                    .saturating_add(self.operations)
                    .saturating_add(rows),
            }
            .into()),
        }
    }

    /// Rewrites every chunk of `input`; see the module documentation.
    fn rewrite(&mut self, input: &[u8]) -> Result<Vec<u8>, InflationError> {
        let mut out = Vec::new();
        let mut cursor = Cursor::new(input, 0);
        while !cursor.is_empty() {
            self.rewrite_chunk(&mut cursor, &mut out)?;
        }
        Ok(out)
    }

    fn rewrite_chunk(
        &mut self,
        cursor: &mut Cursor<'_>,
        out: &mut Vec<u8>,
    ) -> Result<(), InflationError> {
        let chunk_offset = cursor.offset();
        let chunk_start = cursor.position;
        if cursor.take(4, "not a whole chunk")? != MAGIC_BYTES {
            return Err(malformed(chunk_offset, "not an automerge chunk"));
        }
        let checksum_bytes: [u8; 4] = cursor
            .take(4, "not a whole chunk")?
            .try_into()
            .expect("took four bytes");
        let chunk_type = cursor.take(1, "not a whole chunk")?[0];
        let data_length = cursor.length("chunk data past the end")?;
        let header_end = cursor.position;
        let data_offset = cursor.offset();
        let data = cursor.take(data_length, "chunk data past the end")?;
        let whole = &cursor.bytes[chunk_start..header_end + data_length];
        match chunk_type {
            CHUNK_CHANGE => {
                self.copy(whole, out)?;
                self.count_change_operations(data, data_offset)
            }
            CHUNK_COMPRESSED_CHANGE => {
                // Inflated straight into the output, then the change chunk's header (same
                // checksum, type 1, the inflated length) goes in front of it.
                let start = out.len();
                let inflated_length = self.inflate(data, data_offset, out)?;
                let header = header(checksum_bytes, CHUNK_CHANGE, inflated_length);
                self.charge_bytes(header.len())?;
                self.grow(out, header.len());
                out.splice(start..start, header.iter().copied());
                // Offsets in errors are those of the inflated body, from the compressed chunk's.
                self.count_change_operations(&out[start + header.len()..], chunk_offset)
            }
            CHUNK_DOCUMENT => self.rewrite_document(checksum_bytes, whole, data, data_offset, out),
            CHUNK_BUNDLE => Err(InflationError::Bundle {
                offset: chunk_offset,
            }),
            _ => Err(malformed(chunk_offset, "unknown chunk type")),
        }
    }

    /// Finds a change chunk's action column and charges its operations. automerge refuses change
    /// chunks with deflated columns, and so does this.
    fn count_change_operations(
        &mut self,
        body: &[u8],
        offset: usize,
    ) -> Result<(), InflationError> {
        let mut cursor = Cursor::new(body, offset);
        let dependencies = cursor.count(HASH_BYTES, "dependencies past the chunk")?;
        cursor.take(dependencies * HASH_BYTES, "dependencies past the chunk")?;
        let actor = cursor.length("actor past the chunk")?;
        cursor.take(actor, "actor past the chunk")?;
        cursor.unsigned("sequence number")?;
        cursor.unsigned("start operation")?;
        cursor.signed("timestamp")?;
        let message = cursor.length("message past the chunk")?;
        cursor.take(message, "message past the chunk")?;
        let other_actors = cursor.count(1, "actors past the chunk")?;
        for _ in 0..other_actors {
            let actor = cursor.length("actor past the chunk")?;
            cursor.take(actor, "actor past the chunk")?;
        }
        let columns = read_columns(&mut cursor)?;
        columns_length(&columns, cursor.remaining(), cursor.offset())?;
        for column in columns {
            if column.is_deflated() {
                return Err(malformed(
                    cursor.offset(),
                    "a change chunk with deflated columns",
                ));
            }
            let column_offset = cursor.offset();
            let data = cursor.take(column.length, "column data past the chunk")?;
            if column.is_action() {
                self.charge_operations(data, column_offset)?;
            }
        }
        Ok(())
    }

    /// Copies a document chunk, inflating its deflated columns if it has any.
    fn rewrite_document(
        &mut self,
        checksum_bytes: [u8; 4],
        whole: &[u8],
        data: &[u8],
        data_offset: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), InflationError> {
        let mut cursor = Cursor::new(data, data_offset);
        let actors = cursor.count(1, "actors past the chunk")?;
        for _ in 0..actors {
            let actor = cursor.length("actor past the chunk")?;
            cursor.take(actor, "actor past the chunk")?;
        }
        let heads = cursor.count(HASH_BYTES, "heads past the chunk")?;
        cursor.take(heads * HASH_BYTES, "heads past the chunk")?;
        let prefix = &data[..cursor.position];
        let change_columns = read_columns(&mut cursor)?;
        let op_columns = read_columns(&mut cursor)?;
        let change_length = columns_length(&change_columns, cursor.remaining(), cursor.offset())?;
        let op_length = columns_length(
            &op_columns,
            cursor.remaining() - change_length,
            cursor.offset(),
        )?;
        let columns_start = cursor.position;
        cursor.take(change_length + op_length, "column data past the chunk")?;
        let suffix = &data[cursor.position..];
        let deflated = change_columns
            .iter()
            .chain(&op_columns)
            .any(Column::is_deflated);
        if !deflated {
            self.copy(whole, out)?;
            let mut position = columns_start + change_length;
            for column in &op_columns {
                if column.is_action() {
                    let column_data = &data[position..position + column.length];
                    self.charge_operations(column_data, data_offset + position)?;
                }
                position += column.length;
            }
            return Ok(());
        }
        // The checksum covers the compressed data: a chunk automerge would refuse as corrupt
        // must not come out with a fresh, valid checksum.
        if checksum(CHUNK_DOCUMENT, data) != checksum_bytes {
            return Err(malformed(
                data_offset,
                "document chunk checksum does not match",
            ));
        }
        // Written in place: the prefix, every column's data (inflated where deflated), the
        // suffix; then the rewritten column metadata is inserted after the prefix, and the header
        // in front of everything, once the lengths and the checksum are known.
        let start = out.len();
        self.copy(prefix, out)?;
        let data_start = out.len();
        let mut position = columns_start;
        let mut rewritten = Vec::with_capacity(change_columns.len() + op_columns.len());
        for column in change_columns.iter().chain(&op_columns) {
            let column_data = &data[position..position + column.length];
            let column_offset = data_offset + position;
            position += column.length;
            let length = if column.is_deflated() {
                self.inflate(column_data, column_offset, out)?
            } else {
                self.copy(column_data, out)?;
                column.length
            };
            rewritten.push(Column {
                spec: column.spec & !COLUMN_DEFLATE_BIT,
                length,
            });
        }
        self.copy(suffix, out)?;
        let mut metadata = Vec::new();
        write_columns(&rewritten[..change_columns.len()], &mut metadata);
        write_columns(&rewritten[change_columns.len()..], &mut metadata);
        self.charge_bytes(metadata.len())?;
        self.grow(out, metadata.len());
        out.splice(data_start..data_start, metadata.iter().copied());
        let new_data = &out[start..];
        let header = header(
            checksum(CHUNK_DOCUMENT, new_data),
            CHUNK_DOCUMENT,
            new_data.len(),
        );
        self.charge_bytes(header.len())?;
        self.grow(out, header.len());
        out.splice(start..start, header.iter().copied());
        // The op columns follow the change columns in the rewritten chunk.
        let mut position = start
            + header.len()
            + prefix.len()
            + metadata.len()
            + columns_data_length(&rewritten[..change_columns.len()]);
        for column in &rewritten[change_columns.len()..] {
            if column.is_action() {
                // Offsets in errors are those of the inflated column.
                self.charge_operations(&out[position..position + column.length], data_offset)?;
            }
            position += column.length;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{ROOT, SaveOptions};

    fn limits(document_bytes: u64) -> InflationLimits {
        InflationLimits {
            message_ratio: 16,
            message_floor_bytes: 1024 * 1024,
            document_bytes,
            document_operations: 1_000_000,
        }
    }

    fn sample_document() -> Automerge {
        let mut document = Automerge::new();
        let mut transaction = document.transaction();
        for index in 0..500 {
            transaction
                .put(
                    ROOT,
                    format!("key{index}"),
                    "a value repeated, a value repeated",
                )
                .unwrap();
        }
        transaction.commit();
        document
    }

    #[test]
    fn a_deflated_save_comes_out_uncompressed_and_loads_the_same() {
        let document = sample_document();
        let save = document.save_with_options(SaveOptions {
            deflate: true,
            retain_orphans: false,
        });
        let plain = document.save_with_options(SaveOptions {
            deflate: false,
            retain_orphans: false,
        });
        assert_ne!(save, plain, "the sample must have deflated columns");
        let mut budget = DocumentBudget::new(limits(u64::MAX));
        let rewritten = budget.rewrite(&save).unwrap();
        assert_eq!(rewritten, plain);
        assert_eq!(budget.inflated_bytes(), plain.len() as u64);
        assert_eq!(budget.operations(), 500);
        let loaded = Automerge::load(&rewritten).unwrap();
        assert_eq!(loaded.get_heads(), document.get_heads());
        assert_eq!(loaded.hydrate(None), document.hydrate(None));
    }

    #[test]
    fn a_document_past_its_cap_is_refused() {
        let save = sample_document().save();
        let error = DocumentBudget::new(limits(1000))
            .rewrite(&save)
            .unwrap_err();
        assert!(
            matches!(
                error,
                InflationError::Cap(CapExceeded {
                    cap: Cap::Document,
                    measure: Measure::InflatedBytes,
                    limit: 1000,
                    ..
                })
            ),
            "{error}"
        );
    }

    #[test]
    fn counts_run_lengths_without_expanding_them() {
        // A run of 2^40 copies of 1, a literal run of two values, a null run of 5.
        let mut column = Vec::new();
        column.extend([0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x01]);
        column.extend([0x7e, 0x01, 0x02]);
        column.extend([0x00, 0x05]);
        assert_eq!(count_rows(&column, 0, u64::MAX).unwrap(), (1 << 40) + 7);
        assert!(matches!(
            count_rows(&column, 0, 1000),
            Err(RowsError::PastLimit(rows)) if rows > 1000
        ));
    }
}
