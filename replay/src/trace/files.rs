//! Which files a trace holds copies of: every executable and mapped file by its recorded
//! path, and which program ran after each exec. Front ends load symbols from these.

use super::{Event, TraceReader};
use crate::error::Result;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The recorded files of a trace.
#[derive(Debug, Clone, Default)]
pub struct TraceFiles {
    /// Recorded path -> captured copy.
    copies: HashMap<Vec<u8>, PathBuf>,
    /// (event number, executable) of every exec, in order.
    execs: Vec<(u64, String)>,
    /// The program first started.
    first_exe: String,
    /// The trace's separate debugging information (`rtt pack`), if it has any.
    debug_dir: Option<PathBuf>,
}

impl TraceFiles {
    /// Reads the trace's event stream once for its executables and mapped files. A
    /// damaged tail ends the index early (the replay reports it).
    pub fn index(dir: &Path) -> Result<TraceFiles> {
        let reader = TraceReader::open(dir)?;
        let mut events = reader.events()?;
        let mut files = TraceFiles {
            first_exe: reader.header().exe.lossy(),
            debug_dir: Some(dir.join(super::DEBUG_DIR)).filter(|d| d.is_dir()),
            ..TraceFiles::default()
        };
        loop {
            let index = events.next_index();
            let ev = match events.next() {
                Ok(Some(ev)) => ev,
                Ok(None) | Err(_) => break,
            };
            match ev {
                Event::Exec {
                    exe,
                    exe_hash,
                    interp,
                    ..
                } => {
                    files
                        .copies
                        .insert(exe.clone().into_bytes(), reader.file_path(&exe_hash));
                    if let Some(ld) = interp {
                        files
                            .copies
                            .insert(ld.path.into_bytes(), reader.file_path(&ld.hash));
                    }
                    files.execs.push((index, exe));
                }
                Event::SyscallExit {
                    mapped: Some(m), ..
                } => {
                    files
                        .copies
                        .insert(m.path.into_bytes(), reader.file_path(&m.hash));
                }
                _ => {}
            }
        }
        Ok(files)
    }

    /// An index for a program being recorded now: its files are where they are.
    pub fn for_program(exe: &str) -> TraceFiles {
        TraceFiles {
            first_exe: exe.to_string(),
            ..TraceFiles::default()
        }
    }

    /// The program running before event `event` (the last exec before it).
    pub fn exe_at(&self, event: u64) -> &str {
        self.execs
            .iter()
            .rev()
            .find(|(i, _)| *i < event)
            .map_or(self.first_exe.as_str(), |(_, exe)| exe.as_str())
    }

    /// The trace's copy of the file recorded at `path`, if it holds one; for a path in
    /// `/usr/lib/debug/.build-id/`, the trace's separate debugging information.
    pub fn copy_of(&self, path: &[u8]) -> Option<PathBuf> {
        if let Some(rel) = path.strip_prefix(b"/usr/lib/debug/.build-id/".as_slice()) {
            let rel = std::str::from_utf8(rel).ok()?;
            let copy = self.debug_dir.as_ref()?.join(rel);
            return copy.is_file().then_some(copy);
        }
        self.copies.get(path).cloned()
    }

    /// Where to read the file recorded at `path`: the trace's copy, else the path itself
    /// on this machine (the dynamic loader and files never mapped are not captured).
    pub fn source_of(&self, path: &str) -> PathBuf {
        self.copy_of(path.as_bytes())
            .unwrap_or_else(|| PathBuf::from(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_program_at_an_event_is_the_last_exec_before_it() {
        let f = TraceFiles {
            copies: [(b"/bin/a".to_vec(), PathBuf::from("/t/files/h"))]
                .into_iter()
                .collect(),
            execs: vec![(3, "/bin/a".into()), (9, "/bin/b".into())],
            first_exe: "/bin/first".into(),
            debug_dir: Some(std::env::temp_dir()),
        };
        assert_eq!(f.exe_at(2), "/bin/first");
        assert_eq!(f.exe_at(4), "/bin/a");
        assert_eq!(f.exe_at(100), "/bin/b");
        assert_eq!(f.source_of("/bin/a"), PathBuf::from("/t/files/h"));
        assert_eq!(f.source_of("/lib/ld.so"), PathBuf::from("/lib/ld.so"));
        // Separate debug info only from the trace's own directory.
        assert_eq!(f.copy_of(b"/usr/lib/debug/.build-id/zz/none.debug"), None);
    }
}
