//! Recording process events: fork/vfork/clone and execve.

use super::{Recorder, State, Task};
use crate::error::{Error, Result};
use crate::mem::Memory;
use crate::trace::{Event, LoadedFile};
use crate::{auxv, procmaps, sys, tracee};
use serde_bytes::ByteBuf;
use std::os::unix::ffi::OsStringExt;

impl Recorder {
    pub(super) fn ptrace_event(&mut self, tid: i32, ev: i32) -> Result<()> {
        match ev {
            libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK | libc::PTRACE_EVENT_CLONE => {
                self.new_task(tid, ev)
            }
            libc::PTRACE_EVENT_EXEC => self.exec(tid),
            _ => self.resume_in_kernel(tid),
        }
    }

    fn new_task(&mut self, parent: i32, ev: i32) -> Result<()> {
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
            step: false,
            last_nr: None,
        };
        self.tasks.insert(child, task);
        if early {
            self.ready.push_back(child);
        }
        let flags = if entry.nr == libc::SYS_clone {
            entry.args[0]
        } else {
            0
        };
        self.nested_new_task(parent, child, ev, flags)?;
        if self.nested_fork_event(parent, child, ev)? {
            return Ok(());
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
        let mem = &self.task_mut(tid)?.mem;
        let stack = auxv::InitialStack::read(mem, regs.rsp())?;
        let filename = stack.execfn(mem).unwrap_or_default();
        // Not knowing the interpreter only makes the trace depend on this machine's.
        let interp_path = crate::interp::interp_in_memory(mem, &stack).ok().flatten();
        let interp = match (interp_path, stack.aux(auxv::AT_BASE)) {
            (Some((_, path)), Some(base)) if base != 0 => {
                let loaded = maps.iter().find(|m| m.start <= base && base < m.end);
                // Through map_files, the file mapped even if its path has changed since.
                let copy = loaded.and_then(|m| {
                    let by_map = format!("/proc/{tid}/map_files/{:x}-{:x}", m.start, m.end);
                    self.capture_file(&by_map)
                        .or_else(|_| self.capture_file(&m.name))
                        .ok()
                });
                copy.map(|(hash, _)| LoadedFile {
                    path: String::from_utf8_lossy(&path).into_owned(),
                    hash,
                })
            }
            _ => None,
        };
        let cwd = std::fs::read_link(format!("/proc/{tid}/cwd"))
            .map(|p| p.into_os_string().into_vec())
            .unwrap_or_default();
        let entry = self.task_mut(tid)?.entry.as_mut();
        let file_hash = entry.as_ref().and_then(|e| e.exec_file.clone());
        // What execve was given; for a script the stack holds the interpreter's argv.
        let (argv, env) = entry
            .and_then(|e| e.exec_args.take())
            .unwrap_or((stack.argv, stack.env));
        let (sig_blocked, sig_ignored) = procmaps::signal_masks(tid);
        let stack_limit = procmaps::stack_limit(tid);
        let bufs = |v: Vec<Vec<u8>>| v.into_iter().map(ByteBuf::from).collect();
        self.w.append(&Event::Exec {
            tid,
            exe,
            exe_hash,
            argv: bufs(argv),
            file_hash,
            filename,
            env: bufs(env),
            cwd,
            interp,
            sig_blocked,
            sig_ignored,
            stack_limit,
            at_random,
            maps,
        })?;
        self.exec_seen = true;
        self.maps.forget(tid);
        if self.nested_exec_event(tid)? {
            return Ok(());
        }
        self.resume_in_kernel(tid)
    }
}
