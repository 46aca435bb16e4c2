//! Trace directories: the header, the chunked event stream and the captured files.
//!
//! ```text
//! TRACE/header.json      Header (JSON)
//! TRACE/events           frames: b"RTC1" raw_len:u32 comp_len:u32 crc32:u32 lz4-block
//! TRACE/files/HASH       copies of mapped files and executables, by content hash
//! ```

pub mod format;
pub mod reader;
pub mod writer;

pub use format::*;
pub use reader::{EventStream, TraceReader};
pub use writer::TraceWriter;

/// Magic at the start of every chunk frame.
pub const CHUNK_MAGIC: &[u8; 4] = b"RTC1";
/// Size of a frame header in bytes.
pub const FRAME_HEADER: usize = 16;
/// Name of the event stream file in a trace directory.
pub const EVENTS_FILE: &str = "events";
/// Name of the header file in a trace directory.
pub const HEADER_FILE: &str = "header.json";
/// Name of the captured-files directory.
pub const FILES_DIR: &str = "files";
