//! Trace directories: the header, the chunked event stream and the captured files.
//!
//! ```text
//! TRACE/header.json      Header (JSON)
//! TRACE/events           frames: b"RTC1" raw_len:u32 comp_len:u32 crc32:u32 lz4-block
//! TRACE/files/HASH       copies of mapped files and executables, by content hash
//! ```

pub mod extract;
pub mod files;
pub mod format;
pub mod procs;
pub mod reader;
pub mod writer;

pub use extract::{extract, Extracted};
pub use files::TraceFiles;
pub use format::*;
pub use procs::{processes, Process};
pub use reader::{EventStream, TraceReader};
pub use writer::{content_hash, TraceWriter};

/// Magic at the start of every chunk frame.
pub const CHUNK_MAGIC: &[u8; 4] = b"RTC1";
/// Size of a frame header in bytes.
pub const FRAME_HEADER: usize = 16;
/// Name of the event stream file in a trace directory.
pub const EVENTS_FILE: &str = "events";
/// Name of the header file in a trace directory.
pub const HEADER_FILE: &str = "header.json";
/// Name of the file that says why a recording stopped before its program did (a text
/// line; present only then).
pub const CUT_FILE: &str = "cut";
/// Where `rtt pack` puts separate debugging information, by build id
/// (`xx/yyyy.debug`), as `/usr/lib/debug/.build-id` does.
pub const DEBUG_DIR: &str = "debug/.build-id";
/// Name of the captured-files directory.
pub const FILES_DIR: &str = "files";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wait::ExitStatus;

    fn header() -> Header {
        Header {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            rtt_version: "test".into(),
            exe: Bytes::new(b"/bin/true".to_vec()),
            argv: vec![Bytes::new(b"true".to_vec()), Bytes::new(vec![0xff, 0xfe])],
            env: vec![],
            cwd: Bytes::new(b"/".to_vec()),
            cpu_flags: vec!["sse2".into()],
            kernel: "6.x".into(),
            started: 0,
            scheduling: Scheduling {
                timeslice_us: 5000,
                chaos: true,
                seed: 3,
            },
            sig_blocked: 0,
            sig_ignored: 1 << 12,
            stack_limit: Some((8 << 20, u64::MAX)),
        }
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("rtt-trace-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn write_events(dir: &std::path::Path, n: u64) {
        let mut w = TraceWriter::create(dir, &header()).unwrap();
        for i in 0..n {
            let ev = Event::SyscallExit {
                tid: 1,
                ret: i as i64,
                writes: vec![MemWrite {
                    addr: i,
                    data: vec![7; (i % 50) as usize],
                }],
                mapped: None,
                echo: None,
            };
            w.append(&ev).unwrap();
        }
        w.append(&Event::End {
            status: ExitStatus::Code(3),
        })
        .unwrap();
        w.finish().unwrap();
    }

    fn read_all(dir: &std::path::Path) -> crate::Result<(Vec<Event>, bool)> {
        let r = TraceReader::open(dir)?;
        let mut s = r.events()?;
        let mut v = Vec::new();
        while let Some(e) = s.next()? {
            v.push(e);
        }
        Ok((v, s.truncated()))
    }

    #[test]
    fn a_size_limit_cuts_the_trace_at_a_whole_frame() {
        let d = scratch("limit");
        let mut w = TraceWriter::create(&d, &header()).unwrap();
        w.cut_when(Some(3_000_000));
        let src = d.join("some-file");
        std::fs::write(&src, vec![1u8; 100_000]).unwrap();
        let (hash, _) = w.store_file(&src).unwrap();
        assert!(!hash.is_empty());
        let mut x = 1u64;
        for i in 0..400_000u64 {
            // Incompressible data, so that frames are big.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let ev = Event::Rdtsc {
                tid: 1,
                value: x,
                aux: Some(i as u32),
            };
            w.append(&ev).unwrap();
        }
        assert!(w.is_cut());
        assert!(w
            .cut_reason()
            .unwrap()
            .contains("size limit (3000000 bytes)"));
        assert!(w.bytes_written() <= 3_000_000);
        // Once cut, files are not copied.
        std::fs::write(&src, vec![2u8; 10]).unwrap();
        assert_eq!(w.store_file(&src).unwrap().0, "");
        w.finish().unwrap();
        let (events, truncated) = read_all(&d).unwrap();
        assert!(!truncated, "whole frames only");
        assert!(!events.is_empty() && events.len() < 400_000);
        // Everything in the directory, the header and the note included, is within it.
        let sizes = std::fs::read_dir(&d)
            .unwrap()
            .chain(std::fs::read_dir(d.join(FILES_DIR)).unwrap())
            .map(|e| e.unwrap().metadata().unwrap())
            .filter(|m| m.is_file())
            .map(|m| m.len())
            .sum::<u64>();
        assert!(sizes <= 3_000_000, "{sizes}");
        let note = std::fs::read_to_string(d.join(CUT_FILE)).unwrap();
        assert!(note.contains("size limit"), "{note}");
    }

    #[test]
    fn round_trip_over_many_chunks() {
        let d = scratch("roundtrip");
        write_events(&d, 100_000);
        let r = TraceReader::open(&d).unwrap();
        assert_eq!(r.header().argv[1].as_bytes(), &[0xff, 0xfe]);
        assert_eq!(r.header().scheduling.seed, 3);
        assert!(r.header().scheduling.chaos);
        let (events, truncated) = read_all(&d).unwrap();
        assert!(!truncated);
        assert_eq!(events.len(), 100_001);
        assert_eq!(
            events[42],
            Event::SyscallExit {
                tid: 1,
                ret: 42,
                writes: vec![MemWrite {
                    addr: 42,
                    data: vec![7; 42]
                }],
                mapped: None,
                echo: None
            }
        );
        assert_eq!(
            events[100_000],
            Event::End {
                status: ExitStatus::Code(3)
            }
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn truncated_tail_keeps_complete_chunks() {
        let d = scratch("truncated");
        write_events(&d, 100_000);
        let path = d.join(EVENTS_FILE);
        let data = std::fs::read(&path).unwrap();
        std::fs::write(&path, &data[..data.len() - 3]).unwrap();
        let (events, truncated) = read_all(&d).unwrap();
        assert!(truncated);
        assert!(!events.is_empty() && events.len() < 100_001);
        assert_eq!(
            events[0],
            Event::SyscallExit {
                tid: 1,
                ret: 0,
                writes: vec![MemWrite {
                    addr: 0,
                    data: vec![]
                }],
                mapped: None,
                echo: None
            }
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn flipped_byte_is_corruption() {
        let d = scratch("corrupt");
        write_events(&d, 1000);
        let path = d.join(EVENTS_FILE);
        let mut data = std::fs::read(&path).unwrap();
        data[FRAME_HEADER + 5] ^= 0x40;
        std::fs::write(&path, &data).unwrap();
        let err = read_all(&d).unwrap_err().to_string();
        assert!(err.contains("fails its checksum"), "{err}");
        data[0] = b'X';
        std::fs::write(&path, &data).unwrap();
        let err = read_all(&d).unwrap_err().to_string();
        assert!(err.contains("bad magic"), "{err}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn refuses_a_non_empty_directory() {
        let d = scratch("nonempty");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("x"), "x").unwrap();
        assert!(TraceWriter::create(&d, &header()).is_err());
        let _ = std::fs::remove_dir_all(&d);
    }
}
