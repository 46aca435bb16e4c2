//! A tracer's ptrace requests, carried out by rtt on the real tracee.

use super::wait::Outcome;
use super::{
    siginfo, Expect, Mode, Recorder, State, Traced, INTERRUPT_CODE, KNOWN_OPTIONS, SI_USER,
};
use crate::error::{Error, Result};
use crate::regs::{Regs, NREGS};
use crate::remote::RemoteAddr;
use crate::sys::{self, SIGINFO_SIZE};
use crate::trace::{Event, MemWrite, NestedOp, NestedStopKind};

const PTRACE_GETFPREGS: i64 = 14;
const PTRACE_SYSEMU: i64 = 31;
const PTRACE_SYSEMU_SINGLESTEP: i64 = 32;
const PTRACE_SETFPREGS: i64 = 15;
const PTRACE_GETREGSET: i64 = 0x4204;
const PTRACE_SETREGSET: i64 = 0x4205;
const PTRACE_SEIZE: i64 = 0x4206;
const PTRACE_INTERRUPT: i64 = 0x4207;
const PTRACE_PEEKSIGINFO: i64 = 0x4209;
const PTRACE_GETSIGMASK: i64 = 0x420a;
const PTRACE_SETSIGMASK: i64 = 0x420b;
const PTRACE_GET_SYSCALL_INFO: i64 = 0x420e;
const NT_PRSTATUS: u64 = 1;
const NT_PRFPREG: u64 = 2;
const FPREGS_SIZE: usize = 512;
/// Offsets in `struct user`: the general registers, then u_debugreg[8].
const REGS_END: u64 = (NREGS * 8) as u64;
const DEBUGREG_START: u64 = 848;
const DEBUGREG_END: u64 = DEBUGREG_START + 64;
/// sizeof(struct user) on x86-64.
const USER_SIZE: u64 = 912;
const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;

fn err(errno: i32) -> i64 {
    -(errno as i64)
}

/// The errno of a failed request on the real tracee.
fn errno_of(e: &Error) -> i64 {
    match e {
        Error::Sys { errno, .. } => err(*errno as i32),
        _ => err(libc::EIO),
    }
}

impl Recorder {
    /// ptrace or a tracer's wait: what rtt does instead of the kernel. None for any other
    /// syscall.
    pub(in crate::record) fn nested_syscall(
        &mut self,
        tid: i32,
        nr: i64,
        args: &[u64; 6],
    ) -> Result<Option<Outcome>> {
        match nr {
            libc::SYS_ptrace => {
                let mut writes = Vec::new();
                let ret = self.ptrace_request(tid, args, &mut writes)?;
                Ok(Some(Outcome::Done(ret, writes)))
            }
            libc::SYS_wait4 | libc::SYS_waitid => self.nested_wait(tid, nr, args, true),
            _ => Ok(None),
        }
    }

    fn ptrace_request(
        &mut self,
        tid: i32,
        a: &[u64; 6],
        writes: &mut Vec<MemWrite>,
    ) -> Result<i64> {
        let (req, pid, addr, data) = (a[0] as i64, a[1] as i32, a[2], a[3]);
        let Some(tgid) = crate::procmaps::tgid_of(tid) else {
            return Ok(err(libc::ESRCH));
        };
        match req {
            r if r == libc::PTRACE_TRACEME as i64 => return self.traceme(tid),
            r if r == libc::PTRACE_ATTACH as i64 => return self.attach(tgid, pid, 0, false),
            PTRACE_SEIZE => {
                if addr != 0 || data & !KNOWN_OPTIONS != 0 {
                    return Ok(err(libc::EIO));
                }
                return self.attach(tgid, pid, data, true);
            }
            _ => {}
        }
        // The other requests name a tracee of the caller's.
        let Some(tr) = self
            .nested
            .traced
            .get(&pid)
            .filter(|t| t.tracer_tgid == tgid)
        else {
            return Ok(err(libc::ESRCH));
        };
        let seized = tr.seized;
        let stopped = tr.stop.is_some();
        match req {
            r if r == libc::PTRACE_KILL as i64 => {
                // Its end is reported to the tracer as any other.
                sys::kill_hard(pid);
                return Ok(0);
            }
            PTRACE_INTERRUPT => {
                if !seized {
                    return Ok(err(libc::EIO));
                }
                if !stopped {
                    self.stop_for_tracer(pid, Expect::Interrupt)?;
                }
                return Ok(0);
            }
            _ if !stopped => return Ok(err(libc::ESRCH)),
            _ => {}
        }
        let sig = data as i32;
        let how = match req {
            r if r == libc::PTRACE_CONT as i64 => Some((false, Mode::Cont)),
            r if r == libc::PTRACE_SYSCALL as i64 => Some((false, Mode::Syscall)),
            r if r == libc::PTRACE_SINGLESTEP as i64 => Some((true, Mode::Cont)),
            PTRACE_SYSEMU => Some((false, Mode::Sysemu)),
            PTRACE_SYSEMU_SINGLESTEP => Some((true, Mode::Sysemu)),
            _ => None,
        };
        if let Some((step, mode)) = how {
            if !(0..=64).contains(&sig) {
                return Ok(err(libc::EIO));
            }
            let info = self
                .nested
                .traced
                .get_mut(&pid)
                .and_then(|t| t.stop.as_mut())
                .and_then(|h| h.replaced.then_some(h.siginfo));
            self.resume_traced(pid, step, mode, sig, info)?;
            return Ok(0);
        }
        match req {
            r if r == libc::PTRACE_DETACH as i64 => {
                if !(0..=64).contains(&sig) {
                    return Ok(err(libc::EIO));
                }
                self.detach(pid, sig)?;
                Ok(0)
            }
            r if r == libc::PTRACE_PEEKTEXT as i64 || r == libc::PTRACE_PEEKDATA as i64 => {
                let Ok(word) = self.task_mut(pid)?.mem.read(RemoteAddr(addr), 8) else {
                    return Ok(err(libc::EIO));
                };
                Ok(self.give(tid, data, &word, writes))
            }
            r if r == libc::PTRACE_POKETEXT as i64 || r == libc::PTRACE_POKEDATA as i64 => {
                let bytes = data.to_le_bytes();
                if self
                    .task_mut(pid)?
                    .mem
                    .write(RemoteAddr(addr), &bytes)
                    .is_err()
                {
                    return Ok(err(libc::EIO));
                }
                let writes = vec![MemWrite {
                    addr,
                    data: bytes.to_vec(),
                }];
                self.w.append(&Event::MemoryChanged { tid: pid, writes })?;
                Ok(0)
            }
            r if r == libc::PTRACE_PEEKUSER as i64 => {
                if addr % 8 != 0 || addr >= USER_SIZE {
                    return Ok(err(libc::EIO));
                }
                let word = if addr < REGS_END {
                    self.tracee_regs(pid)?.0[(addr / 8) as usize]
                } else if (DEBUGREG_START..DEBUGREG_END).contains(&addr) {
                    match sys::peekuser(pid, addr) {
                        Ok(w) => w,
                        Err(e) => return Ok(errno_of(&e)),
                    }
                } else {
                    // The rest of `struct user` reads as zeros, as with the kernel.
                    0
                };
                Ok(self.give(tid, data, &word.to_le_bytes(), writes))
            }
            r if r == libc::PTRACE_POKEUSER as i64 => {
                if addr % 8 != 0 {
                    return Ok(err(libc::EIO));
                }
                if addr < REGS_END {
                    let mut regs = sys::getregs(pid)?;
                    regs.0[(addr / 8) as usize] = data;
                    return self.set_tracee_regs(pid, &regs);
                }
                if !(DEBUGREG_START..DEBUGREG_END).contains(&addr) {
                    return Ok(err(libc::EIO));
                }
                if let Err(e) = sys::pokeuser(pid, addr, data) {
                    return Ok(errno_of(&e));
                }
                let op = NestedOp::PokeUser {
                    offset: addr,
                    value: data,
                };
                self.w.append(&Event::Nested { tid: pid, op })?;
                Ok(0)
            }
            r if r == libc::PTRACE_GETREGS as i64 => {
                let regs = self.tracee_regs(pid)?;
                let bytes = regs.to_bytes();
                Ok(self.give(tid, data, &bytes, writes))
            }
            r if r == libc::PTRACE_SETREGS as i64 => {
                let Some(bytes) = self.take(tid, data, NREGS * 8) else {
                    return Ok(err(libc::EFAULT));
                };
                let regs = Regs::from_bytes(&bytes);
                self.set_tracee_regs(pid, &regs)
            }
            PTRACE_GETFPREGS => match sys::get_regset(pid, NT_PRFPREG, FPREGS_SIZE) {
                Ok(fp) => Ok(self.give(tid, data, &fp, writes)),
                Err(e) => Ok(errno_of(&e)),
            },
            PTRACE_SETFPREGS => {
                let Some(fp) = self.take(tid, data, FPREGS_SIZE) else {
                    return Ok(err(libc::EFAULT));
                };
                self.set_tracee_regset(pid, NT_PRFPREG, &fp)
            }
            PTRACE_GETREGSET | PTRACE_SETREGSET => self.regset(tid, pid, req, addr, data, writes),
            PTRACE_GETSIGMASK => {
                if addr != 8 {
                    return Ok(err(libc::EINVAL));
                }
                match sys::get_sigmask(pid) {
                    Ok(mask) => Ok(self.give(tid, data, &mask.to_le_bytes(), writes)),
                    Err(e) => Ok(errno_of(&e)),
                }
            }
            PTRACE_SETSIGMASK => {
                let Some(bytes) = self.take(tid, data, 8).filter(|_| addr == 8) else {
                    return Ok(err(if addr == 8 {
                        libc::EFAULT
                    } else {
                        libc::EINVAL
                    }));
                };
                // SIGKILL and SIGSTOP cannot be blocked.
                let mask =
                    word_at(&bytes, 0) & !((1 << (libc::SIGKILL - 1)) | (1 << (libc::SIGSTOP - 1)));
                if let Err(e) = sys::set_sigmask(pid, mask) {
                    return Ok(errno_of(&e));
                }
                let op = NestedOp::SetSigmask { mask };
                self.w.append(&Event::Nested { tid: pid, op })?;
                Ok(0)
            }
            PTRACE_PEEKSIGINFO => {
                let Some(a) = self.take(tid, addr, 16) else {
                    return Ok(err(libc::EFAULT));
                };
                let (off, flags, nr) = (
                    word_at(&a, 0),
                    word_at(&a, 8) as u32,
                    (word_at(&a, 8) >> 32) as i32,
                );
                if nr < 0 || flags & !1 != 0 {
                    return Ok(err(libc::EINVAL));
                }
                match sys::peeksiginfo(pid, off, flags, nr) {
                    Ok(infos) => {
                        let n = (infos.len() / SIGINFO_SIZE) as i64;
                        let wrote = self.give(tid, data, &infos, writes);
                        Ok(if wrote == 0 { n } else { wrote })
                    }
                    Err(e) => Ok(errno_of(&e)),
                }
            }
            r if r == libc::PTRACE_LISTEN as i64 => self.listen_request(pid),
            r if r == libc::PTRACE_GETSIGINFO as i64 => {
                if self.held(pid)?.no_siginfo {
                    return Ok(err(libc::EINVAL));
                }
                let info = self.held(pid)?.siginfo;
                Ok(self.give(tid, data, &info, writes))
            }
            r if r == libc::PTRACE_SETSIGINFO as i64 => {
                let Some(bytes) = self.take(tid, data, SIGINFO_SIZE) else {
                    return Ok(err(libc::EFAULT));
                };
                let held = self.held(pid)?;
                held.siginfo.copy_from_slice(&bytes);
                held.replaced = true;
                Ok(0)
            }
            r if r == libc::PTRACE_GETEVENTMSG as i64 => {
                let msg = self.held(pid)?.msg;
                Ok(self.give(tid, data, &msg.to_le_bytes(), writes))
            }
            r if r == libc::PTRACE_SETOPTIONS as i64 => {
                if data & !KNOWN_OPTIONS != 0 {
                    return Ok(err(libc::EINVAL));
                }
                if let Some(t) = self.nested.traced.get_mut(&pid) {
                    t.options = data;
                }
                Ok(0)
            }
            PTRACE_GET_SYSCALL_INFO => {
                let info = self.syscall_info(pid)?;
                let n = info.len().min(addr as usize);
                let wrote = self.give(tid, data, &info[..n], writes);
                Ok(if wrote == 0 { info.len() as i64 } else { wrote })
            }
            _ => {
                // Requests of other architectures, and unknown ones.
                if self.nested.warned.insert(req) {
                    eprintln!("rtt: ptrace request {req:#x} is not emulated: it failed with EIO (noted in the trace)");
                }
                let op = NestedOp::Unsupported { request: req };
                self.w.append(&Event::Nested { tid, op })?;
                Ok(err(libc::EIO))
            }
        }
    }

    /// PTRACE_TRACEME: `tid` is traced by its parent from now on.
    fn traceme(&mut self, tid: i32) -> Result<i64> {
        if self.nested.traced.contains_key(&tid) {
            return Ok(err(libc::EPERM));
        }
        let Some(parent) = crate::procmaps::ppid_of(tid).filter(|p| self.tasks.contains_key(p))
        else {
            // A parent outside the recording (rtt itself) cannot be emulated.
            return Ok(err(libc::EPERM));
        };
        self.nested
            .traced
            .insert(tid, Traced::new(parent, parent, 0, false, parent));
        Ok(0)
    }

    /// PTRACE_ATTACH or PTRACE_SEIZE of thread `pid` by process `tgid`.
    fn attach(&mut self, tgid: i32, pid: i32, options: u64, seize: bool) -> Result<i64> {
        if !self.tasks.contains_key(&pid) {
            // Only tracees of the recording can be traced by another.
            return Ok(err(if crate::procmaps::tgid_of(pid).is_some() {
                libc::EPERM
            } else {
                libc::ESRCH
            }));
        }
        if crate::procmaps::tgid_of(pid) == Some(tgid) || self.nested.traced.contains_key(&pid) {
            return Ok(err(libc::EPERM));
        }
        self.nested
            .traced
            .insert(pid, Traced::new(tgid, tgid, options, seize, parent_of(pid)));
        if !seize {
            self.stop_for_tracer(pid, Expect::Attach)?;
        }
        Ok(0)
    }

    /// Stops `pid` for its tracer (an attach's SIGSTOP, an interrupt): at once if it is
    /// stopped between events, else with a real SIGSTOP whose delivery is the stop.
    fn stop_for_tracer(&mut self, pid: i32, why: Expect) -> Result<()> {
        let state = self.tasks.get(&pid).map(|t| t.state);
        let tracer = self.nested.traced.get(&pid).map_or(0, |t| t.tracer_tgid);
        match (state, why) {
            // Stopped between events: the stop is made here.
            (Some(State::Ready), Expect::Attach) => {
                let info = siginfo(libc::SIGSTOP, SI_USER, tracer);
                self.hold_made_up(pid, libc::SIGSTOP, info)
            }
            (Some(State::Ready), Expect::Interrupt) => {
                self.hold_trap(pid, NestedStopKind::Event, INTERRUPT_CODE, 0)
            }
            // In a group-stop (under rtt's LISTEN): the group-stop is what it reports.
            (Some(State::Stopped), _) => self.nested_group_stop(pid, libc::SIGSTOP),
            // An attach sends SIGSTOP, whose delivery is the stop.
            (_, Expect::Attach) => {
                if let Some(t) = self.nested.traced.get_mut(&pid) {
                    t.expect = Some(why);
                }
                let tgid = crate::procmaps::tgid_of(pid).unwrap_or(pid);
                sys::tgkill(tgid, pid, libc::SIGSTOP)
            }
            // In a syscall: rtt's own PTRACE_INTERRUPT ends it; the first stop after that
            // is the tracer's interrupt stop.
            (_, Expect::Interrupt) => {
                if let Some(t) = self.nested.traced.get_mut(&pid) {
                    t.expect = Some(why);
                }
                self.nested.interrupted.insert(pid);
                // Gone already: its end is on its way.
                let _ = sys::interrupt(pid);
                Ok(())
            }
        }
    }

    /// The stop `pid` is held in.
    fn held(&mut self, pid: i32) -> Result<&mut super::Held> {
        self.nested
            .traced
            .get_mut(&pid)
            .and_then(|t| t.stop.as_mut())
            .ok_or_else(|| Error::Trace(format!("internal: thread {pid} is not in a ptrace stop")))
    }

    /// The registers of held tracee `pid` as its tracer sees them: at the exit of a
    /// syscall rtt completed itself, the syscall number is the one it made.
    fn tracee_regs(&mut self, pid: i32) -> Result<Regs> {
        let mut regs = sys::getregs(pid)?;
        if let Some(t) = self.tasks.get(&pid) {
            if regs.orig_rax() == u64::MAX {
                if let Some(nr) = t.last_nr {
                    regs.set_orig_rax(nr as u64);
                }
            }
        }
        Ok(regs)
    }

    fn set_tracee_regs(&mut self, pid: i32, regs: &Regs) -> Result<i64> {
        let mut regs = *regs;
        if sys::getregs(pid)?.orig_rax() == u64::MAX {
            // After a syscall rtt completed at its entry: it must stay skipped.
            regs.set_orig_rax(u64::MAX);
        }
        if let Err(e) = sys::setregs(pid, &regs) {
            return Ok(errno_of(&e));
        }
        // What the kernel made of them.
        let regs = sys::getregs(pid)?;
        self.w.append(&Event::SetRegs { tid: pid, regs })?;
        Ok(0)
    }

    fn set_tracee_regset(&mut self, pid: i32, nt: u64, data: &[u8]) -> Result<i64> {
        if nt == NT_PRSTATUS {
            if data.len() < NREGS * 8 {
                return Ok(err(libc::EINVAL));
            }
            let regs = Regs::from_bytes(data);
            return self.set_tracee_regs(pid, &regs);
        }
        if let Err(e) = sys::set_regset(pid, nt, data) {
            return Ok(errno_of(&e));
        }
        let op = NestedOp::SetRegset {
            nt,
            data: data.to_vec(),
        };
        self.w.append(&Event::Nested { tid: pid, op })?;
        Ok(0)
    }

    /// PTRACE_GETREGSET / PTRACE_SETREGSET: `data` points at an iovec.
    fn regset(
        &mut self,
        tid: i32,
        pid: i32,
        req: i64,
        nt: u64,
        data: u64,
        writes: &mut Vec<MemWrite>,
    ) -> Result<i64> {
        let Some(iov) = self.take(tid, data, 16) else {
            return Ok(err(libc::EFAULT));
        };
        let (base, len) = (word_at(&iov, 0), word_at(&iov, 8) as usize);
        let done = if req == PTRACE_GETREGSET {
            let set = if nt == NT_PRSTATUS {
                let regs = self.tracee_regs(pid)?;
                let mut b = regs.to_bytes();
                b.truncate(len);
                b
            } else {
                match sys::get_regset(pid, nt, len.min(1 << 16)) {
                    Ok(b) => b,
                    Err(e) => return Ok(errno_of(&e)),
                }
            };
            if self.give(tid, base, &set, writes) != 0 {
                return Ok(err(libc::EFAULT));
            }
            set.len()
        } else {
            let Some(set) = self.take(tid, base, len.min(1 << 16)) else {
                return Ok(err(libc::EFAULT));
            };
            let ret = self.set_tracee_regset(pid, nt, &set)?;
            if ret != 0 {
                return Ok(ret);
            }
            set.len()
        };
        Ok(self.give(tid, data + 8, &(done as u64).to_le_bytes(), writes))
    }

    /// struct ptrace_syscall_info for held tracee `pid`.
    fn syscall_info(&mut self, pid: i32) -> Result<Vec<u8>> {
        let regs = self.tracee_regs(pid)?;
        let held = self.held(pid)?.clone();
        let (_, code) = crate::tracee::siginfo_code(&held.siginfo);
        let mut info = vec![0u8; 24];
        info[4..8].copy_from_slice(&AUDIT_ARCH_X86_64.to_le_bytes());
        info[8..16].copy_from_slice(&regs.rip().to_le_bytes());
        info[16..24].copy_from_slice(&regs.rsp().to_le_bytes());
        if code != (libc::SIGTRAP | 0x80) {
            return Ok(info);
        }
        match held.kind {
            NestedStopKind::SyscallEntry => {
                info[0] = 1;
                info.extend_from_slice(&regs.orig_rax().to_le_bytes());
                for a in regs.syscall_args() {
                    info.extend_from_slice(&a.to_le_bytes());
                }
            }
            NestedStopKind::SyscallExit => {
                info[0] = 2;
                let rval = regs.rax() as i64;
                info.extend_from_slice(&rval.to_le_bytes());
                info.push(u8::from((-4095..0).contains(&rval)));
            }
            _ => {}
        }
        Ok(info)
    }

    /// Writes `bytes` at `addr` in tracer `tid`: 0, or -EFAULT.
    fn give(&mut self, tid: i32, addr: u64, bytes: &[u8], writes: &mut Vec<MemWrite>) -> i64 {
        if self.write_tracer(tid, addr, bytes, writes) {
            0
        } else {
            err(libc::EFAULT)
        }
    }

    /// Reads `len` bytes at `addr` in tracer `tid`.
    fn take(&mut self, tid: i32, addr: u64, len: usize) -> Option<Vec<u8>> {
        self.tasks.get(&tid)?.mem.read(RemoteAddr(addr), len).ok()
    }
}

fn word_at(b: &[u8], off: usize) -> u64 {
    b.get(off..off + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

/// The process that reaps thread `pid`: its process's parent, or none for a thread that
/// is not its process's leader.
fn parent_of(pid: i32) -> i32 {
    if crate::procmaps::tgid_of(pid) != Some(pid) {
        return 0;
    }
    crate::procmaps::ppid_of(pid).unwrap_or(0)
}
