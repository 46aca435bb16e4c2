//! Recording process events: fork/vfork/clone and execve.

use super::{Recorder, State, Task};
use crate::error::{Error, Result};
use crate::mem::Memory;
use crate::trace::Event;
use crate::{auxv, procmaps, sys, tracee};

impl Recorder {
    pub(super) fn ptrace_event(&mut self, tid: i32, ev: i32) -> Result<()> {
        match ev {
            libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK | libc::PTRACE_EVENT_CLONE => {
                self.new_task(tid)
            }
            libc::PTRACE_EVENT_EXEC => self.exec(tid),
            _ => self.resume_in_kernel(tid),
        }
    }

    fn new_task(&mut self, parent: i32) -> Result<()> {
        let child = sys::geteventmsg(parent)? as i32;
        let t = self.task_mut(parent)?;
        let entry = t.entry.clone().ok_or_else(|| {
            Error::Trace(format!(
                "internal: fork event outside a syscall in {parent}"
            ))
        })?;
        let info = tracee::clone_info(entry.nr, &entry.args, &t.mem)?;
        self.w.append(&Event::NewTask {
            parent,
            child,
            kind: info.kind,
            child_tid_addr: info.child_tid_addr,
            parent_tid_addr: info.parent_tid_addr,
        })?;
        // Its first stop may have come before this event.
        let early = sys::take_stashed(child).is_some();
        let task = Task {
            mem: Memory::open(child)?,
            state: if early { State::Ready } else { State::Unborn },
            entry: None,
            pending_sig: 0,
            slice: Default::default(),
        };
        self.tasks.insert(child, task);
        if early {
            self.ready.push_back(child);
        }
        self.resume_in_kernel(parent)
    }

    /// A first stop of a child we already know about.
    pub(super) fn born(&mut self, tid: i32) -> bool {
        match self.tasks.get_mut(&tid) {
            Some(t) if t.state == State::Unborn => {
                t.state = State::Ready;
                self.ready.push_back(tid);
                true
            }
            _ => false,
        }
    }

    fn exec(&mut self, tid: i32) -> Result<()> {
        let regs = self.regs(tid)?;
        let t = self.task_mut(tid)?;
        t.mem = Memory::open(tid)?;
        let random_addr = auxv::patch_at_exec(&t.mem, regs.rsp())?;
        let mut at_random = [0u8; 16];
        if let Some(addr) = random_addr {
            let b = t.mem.read(addr, 16)?;
            at_random.copy_from_slice(&b);
        }
        let exe_link = format!("/proc/{tid}/exe");
        let exe = std::fs::read_link(&exe_link)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (exe_hash, _) = self.capture_file(&exe_link)?;
        let maps = procmaps::read(tid)?;
        let argv = auxv::read_argv(&self.task_mut(tid)?.mem, regs.rsp())?;
        let file_hash = self
            .task_mut(tid)?
            .entry
            .as_ref()
            .and_then(|e| e.exec_file.clone());
        self.w.append(&Event::Exec {
            tid,
            exe,
            exe_hash,
            argv,
            file_hash,
            at_random,
            maps,
        })?;
        self.exec_seen = true;
        self.maps.forget(tid);
        self.resume_in_kernel(tid)
    }
}
