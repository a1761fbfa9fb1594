//! The one low-level error every binary reader returns: which file, where, what was expected.

use std::fmt;
use std::sync::Arc;

/// A decoding failure at a known place in a known file.
///
/// `offset` is the byte offset in the file named by `file`. When the bytes being decoded come
/// from a decompressed stream (Snappy-framed key groups, compressed SST blocks), `context` says
/// so and `offset` is the offset inside that stream, with the stream's start in the file named
/// in `context`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub file: Arc<str>,
    pub offset: u64,
    pub expected: String,
    pub context: Option<String>,
}

impl DecodeError {
    pub fn new(file: &Arc<str>, offset: u64, expected: impl Into<String>) -> Self {
        DecodeError {
            file: Arc::clone(file),
            offset,
            expected: expected.into(),
            context: None,
        }
    }

    /// Adds (or prefixes) a line of context such as "key group 17" or "operator 0a1b...".
    pub fn with_context(mut self, ctx: impl Into<String>) -> Self {
        let ctx = ctx.into();
        self.context = Some(match self.context.take() {
            Some(old) => format!("{ctx}, {old}"),
            None => ctx,
        });
        self
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: byte {}: {}", self.file, self.offset, self.expected)?;
        if let Some(ctx) = &self.context {
            write!(f, " ({ctx})")?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {}

pub type DecodeResult<T> = Result<T, DecodeError>;
