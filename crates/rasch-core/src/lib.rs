//! Rasch core: the vocabulary every other crate shares — stream records and watermarks,
//! key groups, configuration, job parameters, errors and the `Data`/`Key` bounds.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod config;
pub mod data;
pub mod error;
pub mod key_hash;
pub mod keygroup;
pub mod murmur3;
pub mod params;
pub mod record;
pub mod text;
pub mod time;
pub mod timestamp;

/// A string stored inline up to 24 bytes (no heap allocation): the fast choice for words and
/// short keys in hot pipelines. Serializes exactly like `String`, so key groups are the same.
pub use compact_str::CompactString;
pub use config::{Configuration, RuntimeMode};
pub use data::{Data, Key};
pub use error::{Error, ErrorKind, Result};
pub use params::Params;
pub use record::{MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP, Record, WatermarkStatus};
pub use text::ToText;
pub use time::{Clock, ManualClock, SystemClock};
