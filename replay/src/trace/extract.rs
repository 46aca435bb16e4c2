//! Cutting one process out of a trace: a new, self-contained trace that starts at one of
//! the process's execs and holds only the events of that process and its descendants.
//!
//! After an exec a process owes nothing to its past but what the exec kept: its file
//! descriptors (whose syscalls replay emulates), its signal mask and ignored signals (kept
//! in the Exec event), and the file name, argv and environment that lay out its stack. The
//! new trace's header starts the program exactly so, and its event stream is the original's
//! events of the subtree, from the execve's entry on, with its own end.

use super::procs::Process;
use super::{Bytes, Event, Header, TraceReader, TraceWriter};
use crate::error::{Error, Result};
use crate::wait::ExitStatus;
use std::collections::HashSet;
use std::path::Path;

/// What [`extract`] wrote.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// Number of events in the new trace.
    pub events: u64,
    /// Whether the new trace ends with the process tree's end (else it stops where the
    /// original did: an incomplete or cut recording).
    pub complete: bool,
    /// How the process ended, if it did within the trace.
    pub status: Option<ExitStatus>,
}

/// Writes to `dest` (which must not exist or be empty) a trace of `proc` and its
/// descendants from its exec `exec_event` on. Captured files are hard-linked from the
/// original trace when they can be, else copied. With a `limit`, the new trace stops
/// before it would pass that many bytes.
pub fn extract(
    src: &TraceReader,
    proc: &Process,
    exec_event: u64,
    dest: &Path,
    limit: Option<u64>,
) -> Result<Extracted> {
    let mut events = src.events()?;
    let pid = proc.pid;
    // The execve's entry: the event of `pid` just before its exec.
    let mut entry = None;
    while events.next_index() < exec_event {
        match events.next()? {
            Some(ev @ Event::SyscallEntry { tid, .. }) if tid == pid => entry = Some(ev),
            Some(_) => {}
            None => break,
        }
    }
    let exec = events.next()?;
    let (Some(entry), Some(exec @ Event::Exec { .. })) = (entry, exec) else {
        return Err(Error::Trace(format!(
            "event {exec_event} is not an exec of process {pid}"
        )));
    };
    let header = header_at(src.header(), &exec)?;
    let mut w = TraceWriter::create(dest, &header)?;
    w.cut_when(limit);
    let mut tids: HashSet<i32> = HashSet::from([pid]);
    let mut status = None;
    let mut ended = false;
    let mut next = [Some(entry), Some(exec)].into_iter().flatten();
    loop {
        let ev = match next.next() {
            Some(ev) => ev,
            None => match events.next() {
                Ok(Some(ev)) => ev,
                _ => break,
            },
        };
        match &ev {
            Event::End { .. } => {
                ended = true;
                break;
            }
            Event::NewTask { parent, child, .. } if tids.contains(parent) => {
                tids.insert(*child);
            }
            Event::Exit { tid, status: s } if *tid == pid && status.is_none() => {
                status = Some(*s);
            }
            _ => {}
        }
        let Some(tid) = ev.tid() else { continue };
        if !tids.contains(&tid) {
            continue;
        }
        if !append_with_files(&mut w, src, &ev)? {
            break;
        }
        if let Event::Exit { tid, .. } = ev {
            // Its id may be given to a process outside the subtree later.
            tids.remove(&tid);
        }
        if matches!(ev, Event::Unsupported { .. }) {
            break;
        }
    }
    // The subtree ended if every task of it did (the original may end later, or be cut).
    let complete = (tids.is_empty() || ended) && !w.is_cut();
    if let (true, Some(s)) = (complete, status) {
        w.append(&Event::End { status: s })?;
    }
    if !complete && !w.is_cut() {
        if let Some(why) = src.cut_reason() {
            w.cut(why);
        }
    }
    let count = w.event_count();
    w.finish()?;
    Ok(Extracted {
        events: count,
        complete: complete && status.is_some(),
        status,
    })
}

/// Appends `ev` after the files it needs; false when the writer is cut instead.
fn append_with_files(w: &mut TraceWriter, src: &TraceReader, ev: &Event) -> Result<bool> {
    for (_, hash) in ev.captured_files() {
        if !w.link_file(&src.file_path(&hash), &hash)? {
            return Ok(false);
        }
    }
    w.append(ev)?;
    Ok(!w.is_cut())
}

/// The header of a trace that starts with `exec`: the program as that exec started it.
fn header_at(orig: &Header, exec: &Event) -> Result<Header> {
    let Event::Exec {
        filename,
        argv,
        env,
        cwd,
        sig_blocked,
        sig_ignored,
        stack_limit,
        ..
    } = exec
    else {
        return Err(Error::Trace("internal: not an exec event".into()));
    };
    let mut h = orig.clone();
    h.exe = Bytes::from_slice(filename);
    h.argv = argv.iter().map(|a| Bytes::from_slice(a)).collect();
    h.env = env.iter().map(|a| Bytes::from_slice(a)).collect();
    h.cwd = Bytes::from_slice(cwd);
    h.sig_blocked = *sig_blocked;
    h.sig_ignored = *sig_ignored;
    h.stack_limit = Some(*stack_limit);
    Ok(h)
}
