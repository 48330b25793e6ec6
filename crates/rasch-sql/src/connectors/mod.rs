//! Table connectors (`'connector' = …` in `WITH`) and formats.

pub mod filesystem;
pub mod json;
mod json_decode;
