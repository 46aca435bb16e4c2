//! `rtt replay -p PID`: one process of a trace, as a trace of its own.
//!
//! The process is cut out at its first exec (`rtt_replay::trace::extract`) into a private
//! directory, with its descendants. A process that never exec'd shares its past with its
//! parent: it is cut out with the nearest ancestor that exec'd before creating it.

use anyhow::{bail, Context, Result};
use rtt_replay::trace::{extract, processes, Process, TraceReader};
use std::path::{Path, PathBuf};

/// A trace directory to replay, removed on drop when it is a private cut.
pub struct Focused {
    /// The directory.
    pub dir: PathBuf,
    temporary: bool,
    /// The chosen process, when it is not the new trace's first (it never exec'd).
    pub inner: Option<Process>,
}

impl Drop for Focused {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Where in a trace to cut out process `pid`: the process that starts the cut, and the
/// event of its exec.
pub fn cut_point(procs: &[Process], pid: i32) -> Result<(Process, u64)> {
    let Some(target) = procs.iter().rev().find(|p| p.pid == pid) else {
        let pids: Vec<String> = procs.iter().map(|p| p.pid.to_string()).collect();
        bail!(
            "no process {pid} in this trace (its processes: {}; see `rtt ps`)",
            pids.join(", ")
        );
    };
    // Walk up until a process exec'd before the next one down was created.
    let mut cur = target.clone();
    let mut before = u64::MAX;
    loop {
        if let Some(&e) = cur.execs.iter().find(|&&e| e < before) {
            return Ok((cur, e));
        }
        let Some(ppid) = cur.ppid else {
            bail!("process {pid} and its ancestors never exec'd in this trace");
        };
        before = cur.created.unwrap_or(u64::MAX);
        cur = procs
            .iter()
            .rev()
            .find(|p| p.pid == ppid && p.created.unwrap_or(0) < before)
            .cloned()
            .with_context(|| {
                format!(
                    "process {ppid}, the parent of {}, is not in the trace",
                    cur.pid
                )
            })?;
    }
}

/// The number of the first event of thread `tid` in the trace in `dir`.
pub fn first_event_of(dir: Option<&Path>, tid: i32) -> Result<Option<u64>> {
    let Some(dir) = dir else { return Ok(None) };
    let trace = TraceReader::open(dir)?;
    let mut events = trace.events()?;
    loop {
        let index = events.next_index();
        match events.next()? {
            Some(ev) if ev.tid() == Some(tid) => return Ok(Some(index)),
            Some(_) => {}
            None => return Ok(None),
        }
    }
}

/// The trace of process `pid` of the trace in `dir`.
pub fn focus(dir: &Path, pid: i32) -> Result<Focused> {
    let trace = TraceReader::open(dir)?;
    let (procs, whole) = processes(&trace)?;
    let (root, exec) = cut_point(&procs, pid).with_context(|| {
        if whole {
            String::from("cannot pick the process")
        } else {
            format!(
                "{}: the trace's events cannot all be read (damaged, or recorded by another rtt)",
                dir.display()
            )
        }
    })?;
    let inner = procs
        .iter()
        .rev()
        .find(|p| p.pid == pid)
        .filter(|p| p.pid != root.pid)
        .cloned();
    if root.ppid.is_none() && root.execs.first() == Some(&exec) {
        // The first process from its first exec: the trace itself.
        return Ok(Focused {
            dir: dir.to_path_buf(),
            temporary: false,
            inner,
        });
    }
    // Beside the trace, where its files can be hard-linked; else in the temporary directory.
    let name = format!(".rtt-p{pid}-{}", std::process::id());
    let beside = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| p.join(&name));
    let tmp = match beside {
        Some(b) if std::fs::create_dir(&b).is_ok() => b,
        _ => {
            let t = std::env::temp_dir().join(&name);
            let _ = std::fs::remove_dir_all(&t);
            t
        }
    };
    let focused = Focused {
        dir: tmp.clone(),
        temporary: true,
        inner,
    };
    extract(&trace, &root, exec, &tmp, None)
        .with_context(|| format!("cannot cut process {pid} out of {}", dir.display()))?;
    Ok(focused)
}
