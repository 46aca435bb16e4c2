//! `rtt ps`: the processes of a trace.

use crate::tracedir;
use anyhow::Result;
use rtt_replay::trace::{processes, TraceReader};
use std::io::Write;

pub fn run(dir: Option<std::path::PathBuf>) -> Result<i32> {
    let dir = tracedir::resolve(dir)?;
    let trace = TraceReader::open(&dir)?;
    let (procs, whole) = processes(&trace)?;
    if !whole {
        eprintln!("rtt: the trace's events cannot all be read (incomplete or damaged): the list stops there");
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{:<8} {:<8} {:<6} CMD", "PID", "PPID", "EXIT");
    for p in procs {
        let ppid = p.ppid.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
        let exit = p
            .exit
            .map(|s| s.shell_code().to_string())
            .unwrap_or_else(|| "?".into());
        if writeln!(out, "{:<8} {:<8} {:<6} {}", p.pid, ppid, exit, p.command()).is_err() {
            break;
        }
    }
    Ok(0)
}
