//! `rtt ps`: the processes of a trace.

use crate::tracedir;
use anyhow::Result;
use rtt_replay::trace::{CloneKind, Event, TraceReader};
use std::io::Write;

struct Proc {
    pid: i32,
    ppid: Option<i32>,
    exit: Option<String>,
    cmd: String,
}

pub fn run(dir: Option<std::path::PathBuf>) -> Result<i32> {
    let dir = tracedir::resolve(dir)?;
    let trace = TraceReader::open(&dir)?;
    let initial: Vec<String> = trace.header().argv.iter().map(|a| a.lossy()).collect();
    let mut procs: Vec<Proc> = Vec::new();
    let mut events = trace.events()?;
    while let Some(ev) = events.next()? {
        if procs.is_empty() {
            if let Some(tid) = ev.tid() {
                procs.push(Proc {
                    pid: tid,
                    ppid: None,
                    exit: None,
                    cmd: initial.join(" "),
                });
            }
        }
        match ev {
            Event::NewTask {
                parent,
                child,
                kind,
                ..
            } if kind != CloneKind::Clone => {
                let cmd = procs
                    .iter()
                    .find(|p| p.pid == parent)
                    .map(|p| p.cmd.clone())
                    .unwrap_or_default();
                procs.push(Proc {
                    pid: child,
                    ppid: Some(parent),
                    exit: None,
                    cmd,
                });
            }
            Event::Exec { tid, argv, .. } => {
                if let Some(p) = procs.iter_mut().rev().find(|p| p.pid == tid) {
                    p.cmd = argv.join(" ");
                }
            }
            Event::Exit { tid, status } => {
                if let Some(p) = procs.iter_mut().rev().find(|p| p.pid == tid) {
                    p.exit = Some(status.shell_code().to_string());
                }
            }
            _ => {}
        }
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{:<8} {:<8} {:<6} CMD", "PID", "PPID", "EXIT");
    for p in procs {
        let ppid = p.ppid.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
        let exit = p.exit.unwrap_or_else(|| "?".into());
        if writeln!(out, "{:<8} {:<8} {:<6} {}", p.pid, ppid, exit, p.cmd).is_err() {
            break;
        }
    }
    Ok(0)
}
