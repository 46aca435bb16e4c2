//! Writing a trace: header first, then events in compressed chunks flushed as they fill and
//! at least once a second, so that a recorder killed with SIGKILL leaves a replayable prefix.
//!
//! A writer told to [`TraceWriter::cut_when`] stops writing, instead of failing, when the
//! trace reaches a size limit or a write fails (a full disk): the trace keeps its complete
//! frames, later events and files are dropped, and the recording can go on without it.
//! The limit counts everything the directory holds: header, frames, files and the note
//! saying why the trace stops (written at the end).

use super::format::{Event, Header};
use super::{CHUNK_MAGIC, CUT_FILE, EVENTS_FILE, FILES_DIR, HEADER_FILE};
use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Uncompressed size at which a chunk is flushed.
const CHUNK_BYTES: usize = 1 << 20;

/// Room kept under a size limit for the note saying why the trace stops.
const CUT_NOTE_BYTES: usize = 256;

struct Stream {
    buf: Vec<u8>,
    file: File,
    error: Option<String>,
    closed: bool,
    /// Bytes of complete frames written.
    written: u64,
    /// Turn errors into a cut instead of failing.
    cut_on_error: bool,
    /// Why writing stopped, once it has.
    cut: Option<String>,
    /// Bytes of captured files written.
    file_bytes: u64,
    /// Size not to pass (with `cut_on_error`).
    limit: Option<u64>,
    /// Bytes of the header.
    header_bytes: u64,
}

impl Stream {
    /// Whether `more` bytes would take the trace past its limit.
    fn would_pass_limit(&self, more: u64) -> bool {
        self.limit
            .is_some_and(|limit| self.size() + CUT_NOTE_BYTES as u64 + more > limit)
    }

    /// Bytes in the directory: header, complete frames and files.
    fn size(&self) -> u64 {
        self.header_bytes + self.written + self.file_bytes
    }

    fn cut_at_limit(&mut self) {
        let limit = self.limit.unwrap_or(0);
        self.cut
            .get_or_insert_with(|| format!("the trace reached its size limit ({limit} bytes)"));
    }
}

impl Stream {
    fn flush(&mut self) {
        if self.cut.is_some() {
            self.buf.clear();
            return;
        }
        if self.buf.is_empty() || self.error.is_some() {
            return;
        }
        let comp = lz4_flex::block::compress(&self.buf);
        let mut frame = Vec::with_capacity(comp.len() + super::FRAME_HEADER);
        frame.extend_from_slice(CHUNK_MAGIC);
        frame.extend_from_slice(&(self.buf.len() as u32).to_le_bytes());
        frame.extend_from_slice(&(comp.len() as u32).to_le_bytes());
        frame.extend_from_slice(&crc32fast::hash(&comp).to_le_bytes());
        frame.extend_from_slice(&comp);
        if self.would_pass_limit(frame.len() as u64) {
            self.buf.clear();
            self.cut_at_limit();
            return;
        }
        // One write per frame: a reader sees whole frames or a detectable truncated tail.
        match self.file.write_all(&frame) {
            Ok(()) => self.written += frame.len() as u64,
            Err(e) if self.cut_on_error => {
                // Keep whole frames only: a reader sees where the recording stopped.
                let _ = self.file.set_len(self.written);
                self.cut = Some(format!("writing the trace failed ({e})"));
            }
            Err(e) => self.error = Some(format!("writing the trace's event stream: {e}")),
        }
        self.buf.clear();
    }
}

/// Writes one trace directory.
pub struct TraceWriter {
    dir: PathBuf,
    stream: Arc<(Mutex<Stream>, Condvar)>,
    flusher: Option<JoinHandle<()>>,
    events: u64,
}

fn lock(s: &Mutex<Stream>) -> std::sync::MutexGuard<'_, Stream> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

impl TraceWriter {
    /// Creates trace directory `dir` (mode 0700; it must not exist or be empty) and writes
    /// its header.
    pub fn create(dir: &Path, header: &Header) -> Result<TraceWriter> {
        if dir.exists() {
            let empty = std::fs::read_dir(dir)
                .map_err(|e| Error::io(format!("{}", dir.display()), e))?
                .next()
                .is_none();
            if !empty {
                return Err(Error::Trace(format!(
                    "{} already exists and is not empty",
                    dir.display()
                )));
            }
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| Error::io(format!("chmod {}", dir.display()), e))?;
        } else {
            std::fs::DirBuilder::new()
                .mode(0o700)
                .recursive(true)
                .create(dir)
                .map_err(|e| Error::io(format!("create {}", dir.display()), e))?;
        }
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(dir.join(FILES_DIR))
            .map_err(|e| Error::io("create the trace's files directory", e))?;
        let json = serde_json::to_vec_pretty(header)
            .map_err(|e| Error::Trace(format!("cannot encode the trace header: {e}")))?;
        write_atomic(&dir.join(HEADER_FILE), &json)?;
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .mode(0o600)
            .open(dir.join(EVENTS_FILE))
            .map_err(|e| Error::io("create the trace's event stream", e))?;
        let stream = Arc::new((
            Mutex::new(Stream {
                buf: Vec::with_capacity(CHUNK_BYTES),
                file,
                error: None,
                closed: false,
                written: 0,
                cut_on_error: false,
                cut: None,
                file_bytes: 0,
                limit: None,
                header_bytes: json.len() as u64,
            }),
            Condvar::new(),
        ));
        let bg = Arc::clone(&stream);
        let flusher = std::thread::Builder::new()
            .name("rtt-flush".into())
            .spawn(move || {
                crate::sys::block_interrupts_in_this_thread();
                let (m, cv) = &*bg;
                let mut s = lock(m);
                while !s.closed {
                    s = cv
                        .wait_timeout(s, Duration::from_millis(500))
                        .map(|r| r.0)
                        .unwrap_or_else(|p| p.into_inner().0);
                    s.flush();
                }
            })
            .map_err(|e| Error::io("start the trace flusher", e))?;
        Ok(TraceWriter {
            dir: dir.to_path_buf(),
            stream,
            flusher: Some(flusher),
            events: 0,
        })
    }

    /// The trace directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Number of events appended so far (the next event's number).
    pub fn event_count(&self) -> u64 {
        self.events
    }

    /// From now on, stop writing rather than fail when a write fails or when the trace's
    /// size (events and files) would pass `limit` bytes.
    pub fn cut_when(&mut self, limit: Option<u64>) {
        let mut s = lock(&self.stream.0);
        s.cut_on_error = true;
        s.limit = limit;
    }

    /// Stops writing: the trace ends with the events written so far.
    pub fn cut(&mut self, why: impl Into<String>) {
        let mut s = lock(&self.stream.0);
        if s.cut.is_none() {
            s.flush();
            s.cut.get_or_insert_with(|| why.into());
        }
    }

    /// Why writing stopped, if it has ([`TraceWriter::cut_when`]).
    pub fn cut_reason(&self) -> Option<String> {
        lock(&self.stream.0).cut.clone()
    }

    /// Whether writing has stopped.
    pub fn is_cut(&self) -> bool {
        lock(&self.stream.0).cut.is_some()
    }

    /// Bytes written so far (header, complete event frames and captured files).
    pub fn bytes_written(&self) -> u64 {
        lock(&self.stream.0).size()
    }

    /// Appends one event (dropped once the writer is cut).
    pub fn append(&mut self, ev: &Event) -> Result<()> {
        let mut s = lock(&self.stream.0);
        if let Some(e) = &s.error {
            return Err(Error::Trace(e.clone()));
        }
        if s.cut.is_some() {
            self.events += 1;
            return Ok(());
        }
        postcard::to_io(ev, &mut s.buf)
            .map_err(|e| Error::Trace(format!("cannot encode event {}: {e}", self.events)))?;
        self.events += 1;
        if s.buf.len() >= CHUNK_BYTES {
            s.flush();
        }
        Ok(())
    }

    /// Copies the file open as `src` into `files/HASH` unless already there; returns
    /// (hash, size). Once the writer is cut, nothing is read or written: ("", 0).
    pub fn store_file(&mut self, src: &Path) -> Result<(String, u64)> {
        if lock(&self.stream.0).cut.is_some() {
            return Ok((String::new(), 0));
        }
        let data =
            std::fs::read(src).map_err(|e| Error::io(format!("read {}", src.display()), e))?;
        let hash = content_hash(&data);
        let dest = self.dir.join(FILES_DIR).join(&hash);
        if !dest.exists() {
            let mut s = lock(&self.stream.0);
            if s.would_pass_limit(data.len() as u64) {
                // The events before stay if they fit.
                s.flush();
                s.cut_at_limit();
                return Ok((String::new(), 0));
            }
            match write_atomic(&dest, &data) {
                Ok(()) => s.file_bytes += data.len() as u64,
                Err(e) if s.cut_on_error => {
                    let _ = std::fs::remove_file(dest.with_extension("tmp"));
                    drop(s);
                    self.cut(format!("writing the trace failed ({e})"));
                    return Ok((String::new(), 0));
                }
                Err(e) => return Err(e),
            }
        }
        Ok((hash, data.len() as u64))
    }

    /// Adds `src`, a captured file of another trace, as `files/HASH` (hard-linked when it
    /// can be, else copied) unless already there. Returns false, adding nothing, once the
    /// writer is cut or when the file would take the trace past its limit (which cuts it).
    pub fn link_file(&mut self, src: &Path, hash: &str) -> Result<bool> {
        let mut s = lock(&self.stream.0);
        if s.cut.is_some() {
            return Ok(false);
        }
        let dest = self.dir.join(FILES_DIR).join(hash);
        if dest.exists() {
            return Ok(true);
        }
        let len = std::fs::metadata(src)
            .map_err(|e| Error::io(format!("{}", src.display()), e))?
            .len();
        if s.would_pass_limit(len) {
            s.flush();
            s.cut_at_limit();
            return Ok(false);
        }
        link_or_copy(src, &dest)?;
        s.file_bytes += len;
        Ok(true)
    }

    /// Writes the events appended so far (as complete frames), so that a reader sees them.
    pub fn flush(&mut self) -> Result<()> {
        let mut s = lock(&self.stream.0);
        s.flush();
        match &s.error {
            Some(e) => Err(Error::Trace(e.clone())),
            None => Ok(()),
        }
    }

    /// Flushes everything and closes the stream.
    pub fn finish(mut self) -> Result<()> {
        self.close()
    }

    fn close(&mut self) -> Result<()> {
        {
            let mut s = lock(&self.stream.0);
            s.flush();
            s.closed = true;
            self.stream.1.notify_all();
        }
        if let Some(h) = self.flusher.take() {
            let _ = h.join();
        }
        let s = lock(&self.stream.0);
        if let Some(why) = &s.cut {
            // Best effort: the disk may be full.
            let _ = std::fs::write(self.dir.join(CUT_FILE), cut_note(why));
        }
        match &s.error {
            Some(e) => Err(Error::Trace(e.clone())),
            None => Ok(()),
        }
    }
}

impl Drop for TraceWriter {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

/// The note in `CUT_FILE`: the reason, within [`CUT_NOTE_BYTES`].
fn cut_note(why: &str) -> String {
    let mut end = why.len().min(CUT_NOTE_BYTES - 1);
    while !why.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n", &why[..end])
}

/// Hard-links `src` to `dest` (same file system), else copies it.
fn link_or_copy(src: &Path, dest: &Path) -> Result<()> {
    if std::fs::hard_link(src, dest).is_ok() {
        return Ok(());
    }
    std::fs::copy(src, dest)
        .map(|_| ())
        .map_err(|e| Error::io(format!("copy {} to {}", src.display(), dest.display()), e))
}

/// The content hash that names a captured file in `files/`.
pub fn content_hash(data: &[u8]) -> String {
    blake3::hash(data).to_hex().to_string()
}

fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| Error::io(format!("create {}", tmp.display()), e))?;
    f.write_all(data)
        .map_err(|e| Error::io(format!("write {}", tmp.display()), e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(format!("rename {}", tmp.display()), e))
}
