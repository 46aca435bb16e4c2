//! `info threads` and `thread N`: the replayed program's threads, numbered as gdb numbers
//! them (in order of appearance, never reused), and the one selected for inspection.

use super::session::{engine, CmdResult, Session};
use rtt_replay::regs::Regs;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Thread numbers and the selection.
#[derive(Debug, Default)]
pub struct Threads {
    /// Recorded tid to its number.
    numbers: BTreeMap<i32, u64>,
    /// The thread `thread N` selected (recorded tid), until the program moves again.
    pub selected: Option<i32>,
    /// The thread of the last stop.
    last_stop: Option<i32>,
}

impl Threads {
    fn number(&mut self, tid: i32) -> u64 {
        let next = self.numbers.len() as u64 + 1;
        *self.numbers.entry(tid).or_insert(next)
    }
}

impl Session {
    /// The registers of the thread being inspected: the selected one, or the one the
    /// program stopped in.
    pub(super) fn view_regs(&mut self) -> rtt_replay::Result<Regs> {
        match self.threads.selected {
            Some(tid) => self.tl.regs_of(tid),
            None => self.tl.regs(),
        }
    }

    /// Remembers the thread of the first stop (the later ones are compared with it).
    pub(super) fn note_first_thread(&mut self) {
        self.threads.last_stop = self.tl.current_tid().ok().flatten();
    }

    /// gdb's note when a stop is in another thread than the previous one.
    pub(super) fn thread_switch_note(&mut self) -> Option<String> {
        let tid = self.tl.current_tid().ok()??;
        let before = self.threads.last_stop.replace(tid);
        if before.is_none() || before == Some(tid) {
            return None;
        }
        let list = self.numbered_threads().ok()?;
        let (n, _, t) = list.iter().find(|(_, _, t)| t.tid == tid)?;
        Some(format!(
            "[Switching to thread {n} (Thread {} \"{}\")]",
            t.tid, t.name
        ))
    }

    /// Said when the program moves while `thread N` selected another thread than the one
    /// the recording runs next: execution follows the recorded schedule, not the selection.
    pub(super) fn schedule_note(&mut self) -> Option<String> {
        let selected = self.threads.selected?;
        let current = self.tl.current_tid().ok()??;
        if selected == current {
            return None;
        }
        let n = self.threads.number(current);
        Some(format!(
            "[The recorded schedule runs thread {n} (Thread {current}) here; the selected thread is only inspected]"
        ))
    }

    /// The live threads with their numbers, the inspected one marked.
    fn numbered_threads(
        &mut self,
    ) -> Result<Vec<(u64, bool, rtt_replay::timeline::TaskInfo)>, String> {
        let tasks = self.tl.tasks().map_err(engine)?;
        let current = self
            .threads
            .selected
            .or_else(|| tasks.iter().find(|t| t.current).map(|t| t.tid));
        Ok(tasks
            .into_iter()
            .map(|t| (self.threads.number(t.tid), Some(t.tid) == current, t))
            .collect())
    }

    pub(super) fn info_threads(&mut self) -> CmdResult {
        let list = self.numbered_threads()?;
        let mut out = String::from("  Id   Target Id                  Frame");
        for (n, mark, t) in list {
            let frame = match self.tl.regs_of(t.tid).map(|r| r.rip()) {
                Ok(pc) => {
                    let place = self.syms.place(pc);
                    let func = place.function.unwrap_or_else(|| "??".into());
                    match (place.file, place.line) {
                        (Some(f), Some(l)) => {
                            format!("{func} () at {}:{l}", super::session::basename(&f))
                        }
                        _ => format!("{pc:#018x} in {func} ()"),
                    }
                }
                // At the live end, a thread blocked in the kernel is not stopped.
                Err(_) => "(running, in a syscall)".to_string(),
            };
            let target = format!("Thread {} \"{}\"", t.tid, t.name);
            let _ = write!(
                out,
                "\n{} {n:<4} {target:<26} {frame}",
                if mark { '*' } else { ' ' }
            );
        }
        Ok(out)
    }

    /// `thread [N]`: selects thread N for inspection, or shows the selected one.
    pub(super) fn select_thread(&mut self, n: Option<u64>) -> CmdResult {
        let list = self.numbered_threads()?;
        let chosen = match n {
            None => list.iter().find(|(_, mark, _)| *mark),
            Some(n) => list.iter().find(|(k, _, _)| *k == n),
        };
        let Some((k, _, t)) = chosen else {
            return Err(match n {
                Some(n) => format!("Invalid thread ID: {n}"),
                None => "No thread selected.".into(),
            });
        };
        let (k, tid, name) = (*k, t.tid, t.name.clone());
        if n.is_none() {
            return Ok(format!("[Current thread is {k} (Thread {tid} \"{name}\")]"));
        }
        if self.tl.regs_of(tid).is_err() {
            return Err(format!(
                "Thread {k} is running, in a syscall at the live end: go back (rsi, rc) to inspect it."
            ));
        }
        self.threads.selected = Some(tid);
        self.selected = 0;
        let frame = self.frame_line(true);
        Ok(format!(
            "[Switching to thread {k} (Thread {tid} \"{name}\")]\n{frame}"
        ))
    }
}
