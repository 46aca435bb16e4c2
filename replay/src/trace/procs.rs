//! The processes of a trace: who created whom, what each ran, how each ended.

use super::{CloneKind, Event, TraceReader};
use crate::error::Result;
use crate::wait::ExitStatus;
use std::collections::HashMap;

/// One process of a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    /// Its id at record time (its main thread's).
    pub pid: i32,
    /// The process that created it (None for the first).
    pub ppid: Option<i32>,
    /// The command line it last exec'd (its parent's, if it never exec'd).
    pub argv: Vec<Vec<u8>>,
    /// The event that created it (None for the first process).
    pub created: Option<u64>,
    /// The numbers of its Exec events, in order.
    pub execs: Vec<u64>,
    /// How it ended (None if the trace ends first).
    pub exit: Option<ExitStatus>,
}

impl Process {
    /// Its command line for display.
    pub fn command(&self) -> String {
        super::shown_command(&self.argv)
    }

    /// Whether it failed: a nonzero exit or death by a signal.
    pub fn failed(&self) -> bool {
        matches!(self.exit, Some(s) if s != ExitStatus::Code(0))
    }
}

/// The processes of a trace, in order of creation; whether the event stream read whole.
pub fn processes(reader: &TraceReader) -> Result<(Vec<Process>, bool)> {
    let initial: Vec<Vec<u8>> = reader
        .header()
        .argv
        .iter()
        .map(|a| a.as_bytes().to_vec())
        .collect();
    let mut procs: Vec<Process> = Vec::new();
    // The process each thread belongs to.
    let mut owner_of: HashMap<i32, i32> = HashMap::new();
    let mut events = reader.events()?;
    let complete = loop {
        let index = events.next_index();
        let ev = match events.next() {
            Ok(Some(ev)) => ev,
            Ok(None) => break true,
            Err(_) => break false,
        };
        if procs.is_empty() {
            let Some(tid) = ev.tid() else { continue };
            procs.push(Process {
                pid: tid,
                ppid: None,
                argv: initial.clone(),
                created: None,
                execs: Vec::new(),
                exit: None,
            });
        }
        // Ids can be reused once a process ends: the newest of an id is meant.
        match ev {
            Event::NewTask {
                parent,
                child,
                kind: CloneKind::Clone,
                ..
            } => {
                let owner = owner_of.get(&parent).copied().unwrap_or(parent);
                owner_of.insert(child, owner);
            }
            Event::NewTask { parent, child, .. } => {
                // The parent is a process, not the thread of it that forked.
                let parent = owner_of.get(&parent).copied().unwrap_or(parent);
                owner_of.insert(child, child);
                let argv = procs
                    .iter()
                    .rev()
                    .find(|p| p.pid == parent)
                    .map(|p| p.argv.clone())
                    .unwrap_or_default();
                procs.push(Process {
                    pid: child,
                    ppid: Some(parent),
                    argv,
                    created: Some(index),
                    execs: Vec::new(),
                    exit: None,
                });
            }
            Event::Exec { tid, argv, .. } => {
                if let Some(p) = procs.iter_mut().rev().find(|p| p.pid == tid) {
                    p.argv = argv.into_iter().map(|a| a.into_vec()).collect();
                    p.execs.push(index);
                }
            }
            Event::Exit { tid, status } => {
                if let Some(p) = procs
                    .iter_mut()
                    .rev()
                    .find(|p| p.pid == tid && p.exit.is_none())
                {
                    p.exit = Some(status);
                }
            }
            _ => {}
        }
    };
    Ok((procs, complete))
}
