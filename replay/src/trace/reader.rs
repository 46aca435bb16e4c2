//! Reading a trace: the header, the event stream (chunk by chunk, with look-ahead) and the
//! captured files. A truncated tail is reported, not fatal; corruption is a clear error.

use super::format::{Event, Header, FORMAT_NAME, FORMAT_VERSION};
use super::{CHUNK_MAGIC, EVENTS_FILE, FILES_DIR, FRAME_HEADER, HEADER_FILE};
use crate::error::{Error, Result};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// An opened trace directory.
#[derive(Debug)]
pub struct TraceReader {
    dir: PathBuf,
    header: Header,
}

impl TraceReader {
    /// Opens the trace in `dir` and checks its header.
    pub fn open(dir: &Path) -> Result<TraceReader> {
        let hpath = dir.join(HEADER_FILE);
        if !dir.is_dir() {
            return Err(Error::Trace(format!(
                "{} is not a directory",
                dir.display()
            )));
        }
        let data = std::fs::read(&hpath).map_err(|_| {
            Error::Trace(format!(
                "{} is not an rtt trace (no {HEADER_FILE})",
                dir.display()
            ))
        })?;
        let value: serde_json::Value = serde_json::from_slice(&data)
            .map_err(|e| Error::Trace(format!("{}: corrupt trace header: {e}", hpath.display())))?;
        if value.get("format").and_then(|v| v.as_str()) != Some(FORMAT_NAME) {
            return Err(Error::Trace(format!(
                "{} is not an rtt trace header",
                hpath.display()
            )));
        }
        let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
        if version != u64::from(FORMAT_VERSION) {
            let hint = if version < u64::from(FORMAT_VERSION) {
                "recorded by an older rtt; record it again"
            } else {
                "recorded by a newer rtt"
            };
            return Err(Error::Trace(format!(
                "{}: trace format version {version}, but this rtt reads version {FORMAT_VERSION} ({hint})",
                dir.display()
            )));
        }
        let header: Header = serde_json::from_value(value)
            .map_err(|e| Error::Trace(format!("{}: corrupt trace header: {e}", hpath.display())))?;
        Ok(TraceReader {
            dir: dir.to_path_buf(),
            header,
        })
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The trace directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Opens the event stream from the start.
    pub fn events(&self) -> Result<EventStream> {
        let path = self.dir.join(EVENTS_FILE);
        let file = File::open(&path).map_err(|e| {
            Error::Trace(format!(
                "{}: cannot open the event stream: {e}",
                path.display()
            ))
        })?;
        Ok(EventStream {
            file: BufReader::new(file),
            pending: VecDeque::new(),
            next_index: 0,
            chunk: 0,
            offset: 0,
            eof: false,
            truncated: false,
            chunk_starts: Vec::new(),
        })
    }

    /// Why the recording stopped before its program did, if it did (`rtt ci`).
    pub fn cut_reason(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.dir.join(super::CUT_FILE)).ok()?;
        Some(text.trim().to_string()).filter(|t| !t.is_empty())
    }

    /// Where the copy of the file with content hash `hash` is.
    pub fn file_path(&self, hash: &str) -> PathBuf {
        self.dir.join(FILES_DIR).join(hash)
    }

    /// Reads the captured file with content hash `hash`.
    pub fn read_file(&self, hash: &str) -> Result<Vec<u8>> {
        let p = self.file_path(hash);
        std::fs::read(&p).map_err(|e| {
            Error::Trace(format!(
                "trace is missing captured file {}: {e}",
                p.display()
            ))
        })
    }
}

/// The events of a trace, in order, with look-ahead.
pub struct EventStream {
    file: BufReader<File>,
    pending: VecDeque<Event>,
    next_index: u64,
    chunk: u64,
    offset: u64,
    eof: bool,
    truncated: bool,
    /// (byte offset, number of its first event) of every chunk read so far, for seeking.
    chunk_starts: Vec<(u64, u64)>,
}

impl EventStream {
    /// The number the next event returned by [`EventStream::next`] has.
    pub fn next_index(&self) -> u64 {
        self.next_index
    }

    /// Whether the stream ended in a partly written chunk (the recorder was killed).
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Reads on past where the stream ended before: a recording in progress has
    /// appended to it since.
    pub fn resume(&mut self) -> Result<()> {
        if !self.eof {
            return Ok(());
        }
        self.file
            .seek(SeekFrom::Start(self.offset))
            .map_err(|e| Error::Trace(format!("seeking in the event stream: {e}")))?;
        self.eof = false;
        self.truncated = false;
        Ok(())
    }

    /// The next event, or None at the end of the stream.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Event>> {
        if self.pending.is_empty() {
            self.load_chunk()?;
        }
        let ev = self.pending.pop_front();
        if ev.is_some() {
            self.next_index += 1;
        }
        Ok(ev)
    }

    /// Puts back `ev`, the event [`EventStream::next`] just returned, so that it is
    /// returned again.
    pub fn unread(&mut self, ev: Event) {
        self.pending.push_front(ev);
        self.next_index -= 1;
    }

    /// The first event among the next `limit` for which `pred` holds, without consuming
    /// anything.
    pub fn find_ahead(
        &mut self,
        limit: usize,
        mut pred: impl FnMut(&Event) -> bool,
    ) -> Result<Option<Event>> {
        let mut i = 0;
        loop {
            while i < self.pending.len() {
                if i >= limit {
                    return Ok(None);
                }
                if pred(&self.pending[i]) {
                    return Ok(Some(self.pending[i].clone()));
                }
                i += 1;
            }
            if self.eof || !self.load_chunk()? {
                return Ok(None);
            }
        }
    }

    /// Positions the stream so that the next event returned is number `index` (or the end,
    /// if the stream has fewer events).
    pub fn seek(&mut self, index: u64) -> Result<()> {
        let buffered = self.next_index + self.pending.len() as u64;
        if index < self.next_index || index > buffered {
            let Some(&(offset, first)) = self.chunk_starts.iter().rev().find(|c| c.1 <= index)
            else {
                return Err(Error::Trace(format!("cannot seek to event {index}")));
            };
            self.file
                .seek(SeekFrom::Start(offset))
                .map_err(|e| Error::Trace(format!("seeking in the event stream: {e}")))?;
            self.chunk = self.chunk_starts.iter().filter(|c| c.0 < offset).count() as u64;
            self.offset = offset;
            self.pending.clear();
            self.next_index = first;
            self.eof = false;
            self.truncated = false;
        }
        while self.next_index < index {
            if self.next()?.is_none() {
                break;
            }
        }
        Ok(())
    }

    /// Reads one more chunk into `pending`; false at the end.
    fn load_chunk(&mut self) -> Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let first = self.next_index + self.pending.len() as u64;
        if self.chunk_starts.last().is_none_or(|c| c.0 < self.offset) {
            self.chunk_starts.push((self.offset, first));
        }
        let mut head = [0u8; FRAME_HEADER];
        match read_full(&mut self.file, &mut head) {
            Ok(0) => {
                self.eof = true;
                return Ok(false);
            }
            Ok(n) if n < FRAME_HEADER => {
                self.eof = true;
                self.truncated = true;
                return Ok(false);
            }
            Ok(_) => {}
            Err(e) => return Err(Error::Trace(format!("reading the event stream: {e}"))),
        }
        if &head[0..4] != CHUNK_MAGIC {
            return Err(Error::Trace(format!(
                "corrupt trace: chunk {} at byte {} has a bad magic number",
                self.chunk, self.offset
            )));
        }
        let word = |i: usize| u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
        let (raw_len, comp_len, crc) = (word(4) as usize, word(8) as usize, word(12));
        if raw_len > (1 << 31) || comp_len > (1 << 31) {
            return Err(Error::Trace(format!(
                "corrupt trace: chunk {} has an impossible size",
                self.chunk
            )));
        }
        let mut comp = vec![0u8; comp_len];
        let n = read_full(&mut self.file, &mut comp)
            .map_err(|e| Error::Trace(format!("reading the event stream: {e}")))?;
        if n < comp_len {
            self.eof = true;
            self.truncated = true;
            return Ok(false);
        }
        if crc32fast::hash(&comp) != crc {
            return Err(Error::Trace(format!(
                "corrupt trace: chunk {} at byte {} fails its checksum",
                self.chunk, self.offset
            )));
        }
        let raw = lz4_flex::block::decompress(&comp, raw_len).map_err(|e| {
            Error::Trace(format!(
                "corrupt trace: chunk {} does not decompress: {e}",
                self.chunk
            ))
        })?;
        let mut rest: &[u8] = &raw;
        while !rest.is_empty() {
            let (ev, tail) = postcard::take_from_bytes::<Event>(rest).map_err(|e| {
                Error::Trace(format!(
                    "corrupt trace: undecodable event in chunk {}: {e}",
                    self.chunk
                ))
            })?;
            self.pending.push_back(ev);
            rest = tail;
        }
        self.chunk += 1;
        self.offset += (FRAME_HEADER + comp_len) as u64;
        Ok(true)
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match r.read(&mut buf[done..]) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}
