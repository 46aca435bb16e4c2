//! The replayed program as a gdb target: threads, registers, memory, and execution
//! forwards and backwards, on the engine's timeline.

use crate::arch::{RegImage, RttX86_64};
use crate::files::TraceFiles;
use crate::{svr4, Error};
use gdbstub::common::Pid;
use gdbstub::common::{Signal, Tid};
use gdbstub::stub::MultiThreadStopReason;
use gdbstub::target::ext::base::multithread::{
    MultiThreadBase, MultiThreadRangeStepping, MultiThreadRangeSteppingOps, MultiThreadResume,
    MultiThreadResumeOps, MultiThreadSchedulerLocking, MultiThreadSchedulerLockingOps,
    MultiThreadSingleStep, MultiThreadSingleStepOps,
};
use gdbstub::target::ext::base::reverse_exec::{
    ReplayLogPosition, ReverseCont, ReverseContOps, ReverseStep, ReverseStepOps,
};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::catch_syscalls::CatchSyscallPosition;
use gdbstub::target::ext::extended_mode::{Args, AttachKind, ExtendedMode, ShouldTerminate};
use gdbstub::target::{Target, TargetError, TargetResult};
use rtt_replay::sys;
use rtt_replay::timeline::{StopReason, Timeline};
use rtt_replay::wait::ExitStatus;
use std::num::NonZeroUsize;

/// What gdb asked the program to do next (run when the stub waits for a stop).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Continue,
    Step,
    /// Step while the pc stays in [start, end).
    Range(u64, u64),
    ReverseCont,
    ReverseStep,
}

/// What the process looks like at the current stop, for the queries that cannot move it
/// (read when gdb first asks after a stop).
#[derive(Default)]
pub(crate) struct ProcessInfo {
    pub auxv: Vec<u8>,
    pub exe: String,
    pub libraries: String,
    /// Read at the current stop.
    pub fresh: bool,
}

/// The gdb target: a timeline over a trace and what gdb has set on it.
pub struct RttTarget {
    pub(crate) tl: Timeline,
    pub(crate) files: TraceFiles,
    pub(crate) action: Option<Action>,
    pub(crate) traps: crate::traps::Traps,
    pub(crate) info: ProcessInfo,
    /// gdb's connection, watched during runs for its interrupt (Ctrl-C).
    interrupt_fd: Option<std::os::fd::RawFd>,
    /// Thread names as last listed (gdb asks for each thread's after listing them).
    names: std::collections::HashMap<i32, String>,
}

/// gdb's thread id for a recorded thread id.
pub(crate) fn gdb_tid(tid: i32) -> Tid {
    NonZeroUsize::new(tid.max(1) as usize).unwrap_or(NonZeroUsize::MIN)
}

/// Steps taken at most by one range step before reporting (gdb then asks again).
const MAX_RANGE_STEPS: u32 = 100_000;

impl RttTarget {
    /// A target over `tl` stopped at its current position.
    pub fn new(tl: Timeline, files: TraceFiles) -> RttTarget {
        RttTarget {
            tl,
            files,
            action: None,
            traps: Default::default(),
            info: ProcessInfo::default(),
            interrupt_fd: None,
            names: Default::default(),
        }
    }

    /// Makes input on `fd` (gdb's connection, which is not read while the program runs)
    /// interrupt a run: the run is undone, the program stops where it was with SIGINT.
    /// The process must catch SIGINT ([`rtt_replay::sys::catch_sigint`]).
    pub fn interrupt_on_input(&mut self, fd: std::os::fd::RawFd) {
        self.interrupt_fd = Some(fd);
    }

    /// The thread gdb should look at now.
    pub(crate) fn current_tid(&mut self) -> i32 {
        match self.tl.current_tid() {
            Ok(Some(t)) => t,
            _ => self
                .tl
                .tasks()
                .ok()
                .and_then(|v| v.first().map(|t| t.tid))
                .unwrap_or(1),
        }
    }

    /// The program moved: what was read of it is out of date.
    pub(crate) fn moved(&mut self) {
        self.info.fresh = false;
    }

    /// Reads the auxiliary vector, program and library list of the current process, if
    /// not read since the last stop.
    pub(crate) fn refresh_info(&mut self) {
        if self.info.fresh {
            return;
        }
        let tid = self.current_tid();
        let auxv = self.tl.auxv_of(tid).unwrap_or_default();
        let tl = &mut self.tl;
        let map = rtt_replay::linkmap::read_link_map(&auxv, &mut |addr, len| {
            tl.read_memory_of(tid, addr, len).ok()
        });
        let libraries = svr4::library_list(&map);
        self.info = ProcessInfo {
            exe: self.files.exe_at(self.tl.position().event).to_string(),
            auxv,
            libraries,
            fresh: true,
        };
    }

    /// Runs what gdb asked for and says where it stopped.
    pub(crate) fn run_action(&mut self) -> Result<MultiThreadStopReason<u64>, Error> {
        let action = self.action.take().unwrap_or(Action::Continue);
        let watch = self
            .interrupt_fd
            .and_then(|fd| sys::InputWatch::start(fd).ok());
        let result = match action {
            Action::Continue => self.tl.cont(),
            Action::Step => self.tl.stepi(),
            Action::Range(start, end) => self.range_step(start, end),
            Action::ReverseCont => self.tl.reverse_cont(),
            Action::ReverseStep => self.tl.reverse_stepi(),
        };
        drop(watch);
        // An interrupt that came as the run ended is answered by the stop itself.
        sys::clear_interrupted();
        let stop = match result {
            Ok(reason) => self.stop_reason(reason)?,
            // The timeline puts the program back where the run started.
            Err(rtt_replay::Error::Interrupted) => self.interrupted(),
            Err(rtt_replay::Error::Refused(msg)) => {
                // The program did not move (or went back to where it was): say why.
                eprintln!("rtt: {msg}");
                let tid = self.current_tid();
                MultiThreadStopReason::SignalWithThread {
                    tid: gdb_tid(tid),
                    signal: Signal::SIGTRAP,
                }
            }
            Err(e) => return Err(e.into()),
        };
        self.moved();
        Ok(stop)
    }

    /// The stop reported for gdb's interrupt (the run it asked for is dropped).
    pub(crate) fn interrupted(&mut self) -> MultiThreadStopReason<u64> {
        self.action = None;
        let tid = self.current_tid();
        MultiThreadStopReason::SignalWithThread {
            tid: gdb_tid(tid),
            signal: Signal::SIGINT,
        }
    }

    fn range_step(&mut self, start: u64, end: u64) -> rtt_replay::Result<StopReason> {
        for _ in 0..MAX_RANGE_STEPS {
            let r = self.tl.stepi()?;
            if r != StopReason::Step {
                return Ok(r);
            }
            let pc = self.tl.regs()?.rip();
            if !(start..end).contains(&pc) {
                return Ok(r);
            }
            if self.traps.has_breakpoint(pc) {
                return Ok(StopReason::Breakpoint { addr: pc });
            }
        }
        Ok(StopReason::Step)
    }

    /// The stop gdb is told about for a timeline stop.
    pub(crate) fn stop_reason(
        &mut self,
        reason: StopReason,
    ) -> Result<MultiThreadStopReason<u64>, Error> {
        let here = self.current_tid();
        let trap = |tid: i32| MultiThreadStopReason::SignalWithThread {
            tid: gdb_tid(tid),
            signal: Signal::SIGTRAP,
        };
        Ok(match reason {
            StopReason::Breakpoint { addr } => {
                if self.traps.is_hw_breakpoint(addr) {
                    MultiThreadStopReason::HwBreak(gdb_tid(here))
                } else {
                    MultiThreadStopReason::SwBreak(gdb_tid(here))
                }
            }
            StopReason::Watchpoint { key, .. } => MultiThreadStopReason::Watch {
                tid: gdb_tid(here),
                kind: self.traps.watch_kind(&key),
                addr: key.addr,
            },
            StopReason::Signal { tid, signo } => MultiThreadStopReason::SignalWithThread {
                tid: gdb_tid(tid),
                signal: Signal(signo as u8),
            },
            StopReason::SyscallEntry { tid, nr } => MultiThreadStopReason::CatchSyscall {
                tid: Some(gdb_tid(tid)),
                number: nr as u64,
                position: CatchSyscallPosition::Entry,
            },
            StopReason::SyscallExit { tid, nr, .. } => MultiThreadStopReason::CatchSyscall {
                tid: Some(gdb_tid(tid)),
                number: nr as u64,
                position: CatchSyscallPosition::Return,
            },
            StopReason::Fork { parent, .. } => trap(parent),
            StopReason::Exec { tid, .. } | StopReason::Exited { tid, .. } => trap(tid),
            StopReason::Step | StopReason::Reached => trap(here),
            StopReason::StartOfHistory => MultiThreadStopReason::ReplayLog {
                tid: Some(gdb_tid(here)),
                pos: ReplayLogPosition::Begin,
            },
            StopReason::EndOfHistory { status, .. } => {
                // Stay where the program can still be inspected: its last instruction.
                match self.tl.last_live_position() {
                    Some(last) if self.tl.goto(&last).is_ok() => {
                        let tid = self.current_tid();
                        MultiThreadStopReason::ReplayLog {
                            tid: Some(gdb_tid(tid)),
                            pos: ReplayLogPosition::End,
                        }
                    }
                    _ => match status {
                        Some(ExitStatus::Signal(sig)) => {
                            MultiThreadStopReason::Terminated(Signal(sig as u8))
                        }
                        Some(ExitStatus::Code(code)) => MultiThreadStopReason::Exited(code as u8),
                        None => MultiThreadStopReason::Exited(0),
                    },
                }
            }
        })
    }

    fn read_memory(&mut self, tid: i32, addr: u64, data: &mut [u8]) -> usize {
        if let Ok(b) = self.tl.read_memory_of(tid, addr, data.len()) {
            data[..b.len()].copy_from_slice(&b);
            return b.len();
        }
        // Part of the range is unmapped: read page by page up to the first hole.
        let mut done = 0;
        while done < data.len() {
            let at = addr + done as u64;
            let n = ((4096 - at % 4096) as usize).min(data.len() - done);
            match self.tl.read_memory_of(tid, at, n) {
                Ok(b) if b.len() == n => data[done..done + n].copy_from_slice(&b),
                _ => break,
            }
            done += n;
        }
        done
    }
}

impl RttTarget {
    /// The recorded thread id of a gdb thread id; a thread gdb has not chosen (or one
    /// that is gone) means the current one.
    fn rec_tid(&mut self, tid: Tid) -> i32 {
        let tid = tid.get() as i32;
        match self.tl.tasks() {
            Ok(tasks) if tasks.iter().any(|t| t.tid == tid) => tid,
            _ => self.current_tid(),
        }
    }
}

impl Target for RttTarget {
    type Arch = RttX86_64;
    type Error = Error;

    fn base_ops(&mut self) -> BaseOps<'_, Self::Arch, Self::Error> {
        BaseOps::MultiThread(self)
    }

    fn guard_rail_implicit_sw_breakpoints(&self) -> bool {
        true
    }

    fn support_breakpoints(
        &mut self,
    ) -> Option<gdbstub::target::ext::breakpoints::BreakpointsOps<'_, Self>> {
        Some(self)
    }

    fn support_extended_mode(
        &mut self,
    ) -> Option<gdbstub::target::ext::extended_mode::ExtendedModeOps<'_, Self>> {
        Some(self)
    }

    fn support_catch_syscalls(
        &mut self,
    ) -> Option<gdbstub::target::ext::catch_syscalls::CatchSyscallsOps<'_, Self>> {
        Some(self)
    }

    fn support_monitor_cmd(
        &mut self,
    ) -> Option<gdbstub::target::ext::monitor_cmd::MonitorCmdOps<'_, Self>> {
        Some(self)
    }

    // gdb's reads of these cannot move the program (`&self`): the state is read here,
    // when gdbstub asks for the handler.
    fn support_exec_file(
        &mut self,
    ) -> Option<gdbstub::target::ext::exec_file::ExecFileOps<'_, Self>> {
        self.refresh_info();
        Some(self)
    }

    fn support_auxv(&mut self) -> Option<gdbstub::target::ext::auxv::AuxvOps<'_, Self>> {
        self.refresh_info();
        Some(self)
    }

    fn support_libraries_svr4(
        &mut self,
    ) -> Option<gdbstub::target::ext::libraries::LibrariesSvr4Ops<'_, Self>> {
        self.refresh_info();
        Some(self)
    }

    fn support_host_io(&mut self) -> Option<gdbstub::target::ext::host_io::HostIoOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadBase for RttTarget {
    fn read_registers(&mut self, regs: &mut RegImage, tid: Tid) -> TargetResult<(), Self> {
        let tid = self.rec_tid(tid);
        let general = self.tl.regs_of(tid).map_err(|_| TargetError::Errno(3))?;
        let xsave = self.tl.xstate_of(tid).unwrap_or_default();
        *regs = RegImage::build(&general, &xsave);
        Ok(())
    }

    /// Writing back the values the registers hold is accepted (gdb does after `run`, with
    /// `orig_rax` set to -1); any change is refused by the timeline.
    fn write_registers(&mut self, regs: &RegImage, tid: Tid) -> TargetResult<(), Self> {
        let tid = self.rec_tid(tid);
        let general = self.tl.regs_of(tid).map_err(|_| TargetError::Errno(3))?;
        let xsave = self.tl.xstate_of(tid).unwrap_or_default();
        if RegImage::build(&general, &xsave).same_as(regs) {
            return Ok(());
        }
        match self.tl.set_regs(&general) {
            Ok(()) => Ok(()),
            Err(e) => {
                eprintln!("rtt: {e}");
                Err(TargetError::Errno(1))
            }
        }
    }

    fn read_addrs(&mut self, start: u64, data: &mut [u8], tid: Tid) -> TargetResult<usize, Self> {
        let tid = self.rec_tid(tid);
        let n = self.read_memory(tid, start, data);
        if n == 0 && !data.is_empty() {
            return Err(TargetError::Errno(14));
        }
        Ok(n)
    }

    /// Like registers: writing what memory holds is accepted, a change refused.
    fn write_addrs(&mut self, start: u64, data: &[u8], tid: Tid) -> TargetResult<(), Self> {
        let tid = self.rec_tid(tid);
        if self
            .tl
            .read_memory_of(tid, start, data.len())
            .is_ok_and(|m| m == data)
        {
            return Ok(());
        }
        match self.tl.write_memory(start, data) {
            Ok(()) => Ok(()),
            Err(e) => {
                eprintln!("rtt: {e}");
                Err(TargetError::Errno(1))
            }
        }
    }

    fn list_active_threads(&mut self, report: &mut dyn FnMut(Tid)) -> Result<(), Self::Error> {
        self.names.clear();
        for t in self.tl.tasks()? {
            report(gdb_tid(t.tid));
            self.names.insert(t.tid, t.name);
        }
        Ok(())
    }

    fn support_thread_extra_info(
        &mut self,
    ) -> Option<gdbstub::target::ext::thread_extra_info::ThreadExtraInfoOps<'_, Self>> {
        Some(self)
    }

    fn support_resume(&mut self) -> Option<MultiThreadResumeOps<'_, Self>> {
        Some(self)
    }
}

impl gdbstub::target::ext::thread_extra_info::ThreadExtraInfo for RttTarget {
    /// The thread's name, which gdb shows after it in `info threads`.
    fn thread_extra_info(&self, tid: Tid, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let name = self
            .names
            .get(&(tid.get() as i32))
            .map_or(&[][..], |n| n.as_bytes());
        let n = name.len().min(buf.len());
        buf[..n].copy_from_slice(&name[..n]);
        Ok(n)
    }
}

impl MultiThreadResume for RttTarget {
    fn resume(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }

    fn clear_resume_actions(&mut self) -> Result<(), Self::Error> {
        self.action = None;
        Ok(())
    }

    fn set_resume_action_continue(
        &mut self,
        _tid: Tid,
        _signal: Option<Signal>,
    ) -> Result<(), Self::Error> {
        // Signals are delivered as recorded, whatever gdb passes on.
        self.action.get_or_insert(Action::Continue);
        Ok(())
    }

    fn support_single_step(&mut self) -> Option<MultiThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    fn support_range_step(&mut self) -> Option<MultiThreadRangeSteppingOps<'_, Self>> {
        Some(self)
    }

    fn support_scheduler_locking(&mut self) -> Option<MultiThreadSchedulerLockingOps<'_, Self>> {
        Some(self)
    }

    fn support_reverse_step(&mut self) -> Option<ReverseStepOps<'_, Tid, Self>> {
        Some(self)
    }

    fn support_reverse_cont(&mut self) -> Option<ReverseContOps<'_, Tid, Self>> {
        Some(self)
    }
}

impl MultiThreadSingleStep for RttTarget {
    fn set_resume_action_step(
        &mut self,
        _tid: Tid,
        _signal: Option<Signal>,
    ) -> Result<(), Self::Error> {
        // Only the thread that runs at this point of the recording can move.
        self.action = Some(Action::Step);
        Ok(())
    }
}

impl MultiThreadRangeStepping for RttTarget {
    fn set_resume_action_range_step(
        &mut self,
        _tid: Tid,
        start: u64,
        end: u64,
    ) -> Result<(), Self::Error> {
        self.action = Some(Action::Range(start, end));
        Ok(())
    }
}

/// One thread runs at a time in a replay, in the recorded order: the other threads are
/// never resumed on their own, locked or not.
impl MultiThreadSchedulerLocking for RttTarget {
    fn set_resume_action_scheduler_lock(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl ReverseCont<Tid> for RttTarget {
    fn reverse_cont(&mut self) -> Result<(), Self::Error> {
        self.action = Some(Action::ReverseCont);
        Ok(())
    }
}

impl ReverseStep<Tid> for RttTarget {
    fn reverse_step(&mut self, _tid: Tid) -> Result<(), Self::Error> {
        self.action = Some(Action::ReverseStep);
        Ok(())
    }
}

/// In `target extended-remote`, `run` starts the replay again from the start of history.
impl ExtendedMode for RttTarget {
    fn run(&mut self, _filename: Option<&[u8]>, _args: Args<'_, '_>) -> TargetResult<Pid, Self> {
        let start = self.tl.start().clone();
        self.tl.goto(&start).map_err(|e| {
            eprintln!("rtt: {e}");
            TargetError::Errno(1)
        })?;
        self.moved();
        Ok(Pid::MIN)
    }

    fn attach(&mut self, _pid: Pid) -> TargetResult<(), Self> {
        eprintln!("rtt: a replay cannot attach to other processes");
        Err(TargetError::Errno(1))
    }

    fn query_if_attached(&mut self, _pid: Pid) -> TargetResult<AttachKind, Self> {
        Ok(AttachKind::Attach)
    }

    /// The session goes on: in `target remote` gdb closes the connection after a kill,
    /// in `target extended-remote` it may `run` the replay again.
    fn kill(&mut self, _pid: Option<Pid>) -> TargetResult<ShouldTerminate, Self> {
        Ok(ShouldTerminate::No)
    }

    fn restart(&mut self) -> Result<(), Self::Error> {
        let start = self.tl.start().clone();
        self.tl.goto(&start)?;
        self.moved();
        Ok(())
    }
}
