//! Engine-level tests of the timeline: exact reverse single-stepping, reverse-continue to
//! breakpoint hits and watched changes, returning to saved positions, checkpoint cleanup,
//! and multi-process traces.
//!
//! The timeline's thread traps rdtsc (as rtt's replayer does), so these tests never read
//! clocks through the vDSO (`Instant`, `SystemTime`).

mod common;

use common::{build_testprog, code, fresh_trace_dir, record};
use rtt_replay::regs::Regs;
use rtt_replay::timeline::{Catch, Position, StopReason, Timeline, TimelineOptions, WatchKey};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Address and size of symbol `name` in `bin` (built with -no-pie).
fn symbol(bin: &Path, name: &str) -> (u64, u64) {
    let out = Command::new("nm")
        .arg("-S")
        .arg(bin)
        .output()
        .expect("run nm");
    let text = String::from_utf8_lossy(&out.stdout);
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() == 4 && f[3] == name {
            let addr = u64::from_str_radix(f[0], 16).unwrap();
            let size = u64::from_str_radix(f[1], 16).unwrap();
            return (addr, size);
        }
    }
    panic!("no symbol {name} in {}", bin.display());
}

/// Records testprog `name` for test `label` and returns (binary, trace).
fn recorded(name: &str, label: &str) -> (PathBuf, PathBuf) {
    recorded_with_status(name, label, 0)
}

fn recorded_with_status(name: &str, label: &str, status: i32) -> (PathBuf, PathBuf) {
    let bin = build_testprog(name);
    let trace = fresh_trace_dir(&format!("timeline-{label}"));
    let out = record(&trace, &[bin.to_str().unwrap()]);
    assert_eq!(
        code(&out),
        status,
        "record {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (bin, trace)
}

fn open(trace: &Path) -> Timeline {
    Timeline::open(TimelineOptions::new(trace)).expect("open timeline")
}

fn read_u64(t: &mut Timeline, addr: u64) -> i64 {
    let b = t.read_memory(addr, 8).unwrap();
    i64::from_le_bytes(b.try_into().unwrap())
}

/// Processes traced by this test's thread right now (the tracer is a thread).
fn traced_by_me() -> usize {
    let link = std::fs::read_link("/proc/thread-self").unwrap();
    let me = link.file_name().unwrap().to_string_lossy().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path().join("status")).ok())
        .filter(|s| {
            s.lines()
                .any(|l| l.starts_with("TracerPid:") && l.split_whitespace().nth(1) == Some(&me))
        })
        .count()
}

#[test]
fn reverse_stepi_retraces_stepi_exactly() {
    let (bin, trace) = recorded("tt_history", "reverse_stepi_retraces_stepi_exactly");
    let (bump, _) = symbol(&bin, "bump");
    let mut t = open(&trace);
    t.add_breakpoint(bump);
    assert_eq!(t.cont().unwrap(), StopReason::Breakpoint { addr: bump });
    t.remove_breakpoint(bump);
    // Forwards through bump, its return, and the getppid syscall after it.
    let mut seen: Vec<(Position, Regs)> = Vec::new();
    for _ in 0..60 {
        seen.push((t.position().clone(), t.regs().unwrap()));
        assert_eq!(t.stepi().unwrap(), StopReason::Step);
    }
    for (pos, regs) in seen.iter().rev() {
        assert_eq!(t.reverse_stepi().unwrap(), StopReason::Step);
        let got = t.regs().unwrap();
        assert_eq!(
            got.differences(regs),
            Vec::<String>::new(),
            "registers differ at {pos} (now at {})",
            t.position()
        );
        assert_eq!(t.position(), pos);
    }
}

#[test]
fn reverse_continue_stops_at_previous_breakpoint_hits() {
    let (bin, trace) = recorded(
        "tt_history",
        "reverse_continue_stops_at_previous_breakpoint_hits",
    );
    let (bump, _) = symbol(&bin, "bump");
    let (corrupt, _) = symbol(&bin, "corrupt");
    let mut t = open(&trace);
    t.add_breakpoint(corrupt);
    assert_eq!(t.cont().unwrap(), StopReason::Breakpoint { addr: corrupt });
    t.add_breakpoint(bump);
    for k in (1..=5).rev() {
        assert_eq!(
            t.reverse_cont().unwrap(),
            StopReason::Breakpoint { addr: bump }
        );
        assert_eq!(t.regs().unwrap().rdi(), k, "argument of bump at this hit");
    }
    assert_eq!(t.reverse_cont().unwrap(), StopReason::StartOfHistory);
    assert_eq!(t.position(), &t.start().clone());
    // And forwards again from the start.
    assert_eq!(t.cont().unwrap(), StopReason::Breakpoint { addr: bump });
    assert_eq!(t.regs().unwrap().rdi(), 1);
}

#[test]
fn reverse_watchpoint_stops_at_the_writing_instruction() {
    let (bin, trace) = recorded(
        "tt_history",
        "reverse_watchpoint_stops_at_the_writing_instruction",
    );
    let (victim, _) = symbol(&bin, "victim");
    let (corrupt, corrupt_len) = symbol(&bin, "corrupt");
    let (main, main_len) = symbol(&bin, "main");
    let mut t = open(&trace);
    assert!(matches!(
        t.run_to_end().unwrap(),
        StopReason::EndOfHistory { .. }
    ));
    // The program has exited: step back into it, to its last instruction.
    t.reverse_stepi().unwrap();
    assert_eq!(read_u64(&mut t, victim), 8);
    let key = WatchKey {
        addr: victim,
        len: 8,
        reads: false,
    };
    t.add_watchpoint(key).unwrap();

    let r = t.reverse_cont().unwrap();
    assert_eq!(
        r,
        StopReason::Watchpoint {
            key,
            before: (-1i64).to_le_bytes().to_vec(),
            after: 8i64.to_le_bytes().to_vec(),
        }
    );
    let pc = t.regs().unwrap().rip();
    assert!(
        (main..main + main_len).contains(&pc),
        "pc {pc:#x} not in main"
    );
    assert_eq!(read_u64(&mut t, victim), -1, "stopped before the write");
    // One step forward executes exactly the write.
    t.stepi().unwrap();
    assert_eq!(read_u64(&mut t, victim), 8);
    t.reverse_stepi().unwrap();
    assert_eq!(t.regs().unwrap().rip(), pc);

    let r = t.reverse_cont().unwrap();
    assert_eq!(
        r,
        StopReason::Watchpoint {
            key,
            before: 7i64.to_le_bytes().to_vec(),
            after: (-1i64).to_le_bytes().to_vec(),
        }
    );
    let pc = t.regs().unwrap().rip();
    assert!(
        (corrupt..corrupt + corrupt_len).contains(&pc),
        "pc {pc:#x} not in corrupt"
    );
    // Forwards, the watchpoint stops right after the write.
    let r = t.cont().unwrap();
    assert_eq!(
        r,
        StopReason::Watchpoint {
            key,
            before: 7i64.to_le_bytes().to_vec(),
            after: (-1i64).to_le_bytes().to_vec(),
        }
    );
}

#[test]
fn a_saved_position_is_returned_to_exactly() {
    let (bin, trace) = recorded("tt_history", "a_saved_position_is_returned_to_exactly");
    let (bump, _) = symbol(&bin, "bump");
    let (counter, _) = symbol(&bin, "counter");
    let mut t = open(&trace);
    t.add_breakpoint(bump);
    for _ in 0..3 {
        t.cont().unwrap();
    }
    for _ in 0..4 {
        t.stepi().unwrap();
    }
    let saved = t.position().clone();
    let regs = t.regs().unwrap();
    let rsp = regs.rsp();
    let stack = t.read_memory(rsp - 256, 512).unwrap();
    let count = read_u64(&mut t, counter);
    t.remove_breakpoint(bump);
    t.run_to_end().unwrap();
    t.goto(&saved).unwrap();
    assert_eq!(t.regs().unwrap(), regs);
    assert_eq!(t.read_memory(rsp - 256, 512).unwrap(), stack);
    assert_eq!(read_u64(&mut t, counter), count);
    // History cannot be changed.
    assert!(t.write_memory(counter, &[0; 8]).is_err());
    assert!(t.set_regs(&regs).is_err());
}

#[test]
fn checkpoints_leave_no_processes_behind() {
    let (bin, trace) = recorded("tt_history", "checkpoints_leave_no_processes_behind");
    let (bump, _) = symbol(&bin, "bump");
    let before = traced_by_me();
    {
        let mut t = open(&trace);
        t.add_breakpoint(bump);
        for _ in 0..5 {
            t.cont().unwrap();
        }
        let id = t.checkpoint().unwrap();
        t.reverse_cont().unwrap();
        t.reverse_stepi().unwrap();
        assert!(t.checkpoints().len() >= 3, "{:?}", t.checkpoints());
        assert!(traced_by_me() > before + 2);
        t.restart(id).unwrap();
        assert_eq!(t.regs().unwrap().rip(), bump);
        assert_eq!(t.regs().unwrap().rdi(), 5);
    }
    assert_eq!(traced_by_me(), before);
}

#[test]
fn checkpoints_of_a_multi_process_trace_restore() {
    let (bin, trace) = recorded("tt_fork", "checkpoints_of_a_multi_process_trace_restore");
    let (marker, _) = symbol(&bin, "marker");
    let mut t = open(&trace);
    t.add_breakpoint(marker);
    // The child's call comes first (the parent waits for it).
    assert_eq!(t.cont().unwrap(), StopReason::Breakpoint { addr: marker });
    assert_eq!(t.regs().unwrap().rdi(), 4950);
    assert_eq!(t.tasks().unwrap().len(), 2);
    let in_child = t.position().clone();
    assert_eq!(t.cont().unwrap(), StopReason::Breakpoint { addr: marker });
    assert_eq!(t.regs().unwrap().rdi(), 3);
    assert_eq!(t.tasks().unwrap().len(), 1);
    // Back to the child, then forwards to the end, twice.
    for _ in 0..2 {
        assert_eq!(
            t.reverse_cont().unwrap(),
            StopReason::Breakpoint { addr: marker }
        );
        assert_eq!(t.position(), &in_child);
        assert_eq!(t.regs().unwrap().rdi(), 4950);
        assert_eq!(t.tasks().unwrap().len(), 2);
        assert_eq!(t.cont().unwrap(), StopReason::Breakpoint { addr: marker });
        assert_eq!(t.regs().unwrap().rdi(), 3);
    }
    t.remove_breakpoint(marker);
    match t.cont().unwrap() {
        StopReason::EndOfHistory { status, .. } => {
            assert_eq!(status.map(|s| s.shell_code()), Some(0))
        }
        other => panic!("expected the end, got {other:?}"),
    }
}

#[test]
fn reverse_stepi_after_a_long_computation() {
    // Getting close to a point inside a long computation needs the task-clock perf event
    // (containers may forbid perf_event_open); without it rtt can only single-step.
    let me = std::fs::read_link("/proc/thread-self").unwrap();
    let tid: i32 = me.file_name().unwrap().to_string_lossy().parse().unwrap();
    if let Err(e) = rtt_replay::sys::CpuAlarm::open(tid) {
        eprintln!("skipped: this machine refuses the task-clock perf event ({e})");
        return;
    }
    let (bin, trace) = recorded("tt_long_loop", "reverse_stepi_after_a_long_computation");
    let (done, _) = symbol(&bin, "done");
    let mut t = open(&trace);
    t.add_breakpoint(done);
    assert_eq!(t.cont().unwrap(), StopReason::Breakpoint { addr: done });
    let at_done = (t.position().clone(), t.regs().unwrap());
    // Back through the call and the last iterations of the loop...
    let mut seen: Vec<(Position, Regs)> = Vec::new();
    for _ in 0..40 {
        assert_eq!(t.reverse_stepi().unwrap(), StopReason::Step);
        seen.push((t.position().clone(), t.regs().unwrap()));
    }
    // ... and forwards again over the same instructions.
    for (pos, regs) in seen.iter().rev().skip(1) {
        assert_eq!(t.stepi().unwrap(), StopReason::Step);
        assert_eq!(
            t.regs().unwrap().differences(regs),
            Vec::<String>::new(),
            "at {pos}"
        );
    }
    t.stepi().unwrap();
    assert_eq!(t.regs().unwrap(), at_done.1);
    // Going to the saved position of the breakpoint stop lands on the same state.
    t.reverse_stepi().unwrap();
    t.goto(&at_done.0).unwrap();
    assert_eq!(t.regs().unwrap(), at_done.1);
}

#[test]
fn shared_memory_is_restored_with_its_checkpoint() {
    let (bin, trace) = recorded("tt_shared", "shared_memory_is_restored_with_its_checkpoint");
    let (marker, _) = symbol(&bin, "marker");
    let (shared, _) = symbol(&bin, "shared");
    let mut t = open(&trace);
    t.add_breakpoint(marker);
    for i in 1..=3 {
        assert_eq!(t.cont().unwrap(), StopReason::Breakpoint { addr: marker });
        let page = read_u64(&mut t, shared) as u64;
        assert_eq!(read_u64(&mut t, page), i * 11);
    }
    for i in (1..=2).rev() {
        assert_eq!(
            t.reverse_cont().unwrap(),
            StopReason::Breakpoint { addr: marker }
        );
        let page = read_u64(&mut t, shared) as u64;
        assert_eq!(read_u64(&mut t, page), i * 11, "shared page at marker({i})");
    }
}

#[test]
fn watchpoints_without_a_debug_register_step_and_compare() {
    let (bin, trace) = recorded("tt_history", "watchpoints_without_a_debug_register");
    let (victim, _) = symbol(&bin, "victim");
    let (corrupt, corrupt_len) = symbol(&bin, "corrupt");
    let (main, main_len) = symbol(&bin, "main");
    let mut t = open(&trace);
    t.add_breakpoint(corrupt);
    assert_eq!(t.cont().unwrap(), StopReason::Breakpoint { addr: corrupt });
    t.remove_breakpoint(corrupt);
    // 3 bytes: no debug register watches that; reads cannot be watched that way.
    let key = WatchKey {
        addr: victim,
        len: 3,
        reads: false,
    };
    assert!(t.add_watchpoint(WatchKey { reads: true, ..key }).is_err());
    t.add_watchpoint(key).unwrap();
    let hit = |before: i64, after: i64| StopReason::Watchpoint {
        key,
        before: before.to_le_bytes()[..3].to_vec(),
        after: after.to_le_bytes()[..3].to_vec(),
    };
    assert_eq!(t.cont().unwrap(), hit(7, -1));
    assert_eq!(read_u64(&mut t, victim), -1);
    assert_eq!(t.reverse_cont().unwrap(), hit(7, -1));
    let pc = t.regs().unwrap().rip();
    assert!((corrupt..corrupt + corrupt_len).contains(&pc));
    assert_eq!(read_u64(&mut t, victim), 7);
    assert_eq!(t.reverse_cont().unwrap(), hit(100, 7));
    let pc = t.regs().unwrap().rip();
    assert!((main..main + main_len).contains(&pc));
    assert_eq!(read_u64(&mut t, victim), 100);
}

#[test]
fn caught_syscalls_signals_forks_and_execs_stop_both_ways() {
    const GETPPID: i64 = 110;
    // Record everything first: the timeline makes this thread trap rdtsc, which its
    // children (gcc) would inherit.
    let (_, trace) = recorded("tt_history", "caught_syscalls");
    let (_, segv_trace) = recorded_with_status("die_segv", "caught_signal", 139);
    let (_, exec_trace) = recorded("proc_fork_exec", "caught_fork_exec");
    let mut t = open(&trace);
    t.set_catch(Catch {
        syscalls: Some([GETPPID].into_iter().collect()),
        ..Catch::default()
    });
    let ppid = match t.cont().unwrap() {
        StopReason::SyscallEntry { nr: GETPPID, .. } => match t.cont().unwrap() {
            StopReason::SyscallExit {
                nr: GETPPID, ret, ..
            } => ret,
            other => panic!("expected getppid's return, got {other:?}"),
        },
        other => panic!("expected getppid, got {other:?}"),
    };
    assert!(ppid > 0);
    let exit = t.position().clone();
    assert!(matches!(
        t.cont().unwrap(),
        StopReason::SyscallEntry { nr: GETPPID, .. }
    ));
    // Backwards: the previous return, then its entry.
    assert_eq!(
        t.reverse_cont().unwrap(),
        StopReason::SyscallExit {
            tid: t.current_tid().unwrap().unwrap(),
            nr: GETPPID,
            ret: ppid
        }
    );
    assert_eq!(t.position(), &exit);
    assert!(matches!(
        t.reverse_cont().unwrap(),
        StopReason::SyscallEntry { nr: GETPPID, .. }
    ));

    // A fault stops before its signal is delivered; the end comes after it.
    let mut t = open(&segv_trace);
    let tid = t.current_tid().unwrap().unwrap();
    assert_eq!(t.cont().unwrap(), StopReason::Signal { tid, signo: 11 });
    let at_fault = t.regs().unwrap();
    assert!(matches!(t.cont().unwrap(), StopReason::EndOfHistory { .. }));
    assert_eq!(
        t.reverse_cont().unwrap(),
        StopReason::Signal { tid, signo: 11 }
    );
    assert_eq!(t.regs().unwrap(), at_fault);

    // Forks and execs are stops when caught.
    let mut t = open(&exec_trace);
    t.set_catch(Catch {
        fork: true,
        exec: true,
        ..Catch::default()
    });
    assert!(matches!(t.cont().unwrap(), StopReason::Fork { .. }));
    match t.cont().unwrap() {
        StopReason::Exec { exe, .. } => assert!(exe.ends_with("true"), "{exe}"),
        other => panic!("expected an exec, got {other:?}"),
    }
    assert!(matches!(t.reverse_cont().unwrap(), StopReason::Fork { .. }));
}

#[test]
fn a_failed_operation_leaves_the_replay_where_it_was() {
    let (bin, trace) = recorded("tt_history", "a_failed_operation_leaves_the_replay");
    let (bump, _) = symbol(&bin, "bump");
    let mut t = open(&trace);
    t.add_breakpoint(bump);
    t.cont().unwrap();
    t.cont().unwrap();
    let (here, regs) = (t.position().clone(), t.regs().unwrap());
    let nowhere = Position::start_of(1 << 40);
    assert!(t.goto(&nowhere).is_err());
    assert!(t.goto_event(1 << 40).is_err());
    assert!(t.restart(12345).is_err());
    assert_eq!(t.position(), &here);
    assert_eq!(t.regs().unwrap(), regs);
    assert_eq!(t.cont().unwrap(), StopReason::Breakpoint { addr: bump });
    assert_eq!(t.regs().unwrap().rdi(), 3);
}

/// Every testprog without arguments: to the end, back to the start, to the end again (same
/// ending), then a few instructions back and forth. `RTT_TESTPROG=NAME` runs one.
#[test]
fn every_testprog_travels() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testprogs");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".c")
                .map(str::to_string)
        })
        .collect();
    names.sort();
    if let Ok(only) = std::env::var("RTT_TESTPROG") {
        names.retain(|n| *n == only);
    }
    let mut traces = Vec::new();
    for name in &names {
        let src = std::fs::read_to_string(dir.join(format!("{name}.c"))).unwrap();
        let status: i32 = common::header(&src, "exit").map_or(0, |v| v.parse().unwrap());
        if common::header(&src, "args").is_some() {
            continue;
        }
        traces.push((
            name.clone(),
            recorded_with_status(name, &format!("all-{name}"), status).1,
        ));
    }
    let mut failures = Vec::new();
    for (name, trace) in traces {
        let r = (|| -> rtt_replay::Result<()> {
            let mut t = Timeline::open(TimelineOptions::new(&trace))?;
            let end = t.run_to_end()?;
            let r = t.reverse_cont()?;
            let again = t.run_to_end()?;
            if end != again {
                return Err(rtt_replay::Error::Refused(format!(
                    "{end:?} then {again:?} ({r:?})"
                )));
            }
            // Back over the last instructions (through the final syscalls), then forwards
            // again: the same states in reverse.
            let mut seen = Vec::new();
            for _ in 0..12 {
                if t.reverse_stepi()? == StopReason::StartOfHistory {
                    break;
                }
                seen.push((t.position().clone(), t.regs()?));
            }
            for (pos, regs) in seen.iter().rev().skip(1) {
                t.stepi()?;
                let got = t.regs()?;
                if !got.differences(regs).is_empty() || t.position() != pos {
                    return Err(rtt_replay::Error::Refused(format!(
                        "stepping forward to {pos}: at {} with {:?}",
                        t.position(),
                        got.differences(regs)
                    )));
                }
            }
            Ok(())
        })();
        if let Err(e) = r {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn positions_named_from_different_anchors_are_ordered_by_replaying() {
    let (bin, trace) = recorded("tt_history", "positions_are_ordered");
    let (corrupt, _) = symbol(&bin, "corrupt");
    let mut t = open(&trace);
    t.add_breakpoint(corrupt);
    t.cont().unwrap();
    t.remove_breakpoint(corrupt);
    let at_corrupt = t.position().clone();
    // The same stretch from its start, stepped until corrupt is reached.
    let start = Position::start_of(at_corrupt.event);
    t.goto(&start).unwrap();
    let mut k = 0;
    while t.regs().unwrap().rip() != corrupt {
        t.stepi().unwrap();
        k += 1;
    }
    assert!(k > 2);
    assert_eq!(start.plus(k).partial_cmp(&at_corrupt), None);
    use std::cmp::Ordering::*;
    assert_eq!(t.compare(&start.plus(k - 2), &at_corrupt).unwrap(), Less);
    assert_eq!(t.compare(&at_corrupt, &start.plus(k - 2)).unwrap(), Greater);
    assert_eq!(t.compare(&start.plus(k), &at_corrupt).unwrap(), Equal);
    assert_eq!(t.compare(&start.plus(k + 3), &at_corrupt).unwrap(), Greater);
    assert_eq!(
        t.compare(&at_corrupt.plus(2), &start.plus(k + 1)).unwrap(),
        Greater
    );
    assert_eq!(
        t.compare(&at_corrupt.plus(1), &start.plus(k + 1)).unwrap(),
        Equal
    );
}
