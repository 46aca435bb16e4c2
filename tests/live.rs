//! The timeline over a recording in progress (`rtt run`): stops in the live program,
//! going back into the replay of what was recorded, forwards again to the live program
//! and on, and writes at the live end that replays make too.

mod common;

use common::{build_testprog, fresh_trace_dir};
use rtt_replay::record::RecordOptions;
use rtt_replay::timeline::{LiveTimeline, StopReason, TimelineOptions, Travel};
use std::path::Path;
use std::process::{Command, Stdio};

fn symbol(bin: &Path, name: &str) -> u64 {
    let out = Command::new("nm").arg(bin).output().expect("run nm");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3 && f[2] == name).then(|| u64::from_str_radix(f[0], 16).unwrap())
        })
        .unwrap_or_else(|| panic!("no symbol {name}"))
}

fn read_i64(t: &mut LiveTimeline, addr: u64) -> i64 {
    i64::from_le_bytes(t.read_memory(addr, 8).unwrap().try_into().unwrap())
}

#[test]
fn live_stops_go_back_and_come_forward_to_the_live_program() {
    let bin = build_testprog("tt_history");
    let (bump, corrupt, counter) = (
        symbol(&bin, "bump"),
        symbol(&bin, "corrupt"),
        symbol(&bin, "counter"),
    );
    let trace = fresh_trace_dir("live");
    let ropts = RecordOptions {
        exe: bin.clone(),
        argv: vec![bin.clone().into_os_string()],
        env: std::env::vars_os()
            .map(|(k, v)| {
                let mut kv = k;
                kv.push("=");
                kv.push(v);
                kv
            })
            .collect(),
        cwd: std::env::current_dir().unwrap(),
        trace_dir: trace.clone(),
        cpu: None,
        keep_going: false,
        max_trace_size: None,
        scheduling: Default::default(),
    };
    let mut t = LiveTimeline::start(&ropts, TimelineOptions::new(&trace)).unwrap();
    assert!(t.at_live_end());
    t.add_breakpoint(bump);
    for k in 1..=3u64 {
        assert_eq!(t.cont().unwrap(), StopReason::Breakpoint { addr: bump });
        assert_eq!(t.regs().unwrap().rdi(), k);
    }
    assert!(t.at_live_end());
    let live = t.regs().unwrap();

    // Back into the replay of what was recorded: the previous hit.
    assert_eq!(
        t.reverse_cont().unwrap(),
        StopReason::Breakpoint { addr: bump }
    );
    assert!(!t.at_live_end());
    assert_eq!(t.regs().unwrap().rdi(), 2);
    // Forwards: the live end's hit again (in the replay), then on in the live program.
    assert_eq!(t.cont().unwrap(), StopReason::Breakpoint { addr: bump });
    assert_eq!(t.regs().unwrap(), live);
    assert_eq!(t.cont().unwrap(), StopReason::Breakpoint { addr: bump });
    assert!(t.at_live_end());
    assert_eq!(t.regs().unwrap().rdi(), 4);

    // One instruction back from the live end and forwards again.
    let here = t.regs().unwrap();
    assert_eq!(t.reverse_stepi().unwrap(), StopReason::Step);
    assert_ne!(t.regs().unwrap().rip(), here.rip());
    assert_eq!(t.stepi().unwrap(), StopReason::Step);
    assert_eq!(t.regs().unwrap().rip(), here.rip());
    assert_eq!(t.stepi().unwrap(), StopReason::Step);
    assert!(t.at_live_end());

    // A write at the live end changes the real program, and replays make it too.
    t.remove_breakpoint(bump);
    t.add_breakpoint(corrupt);
    assert_eq!(t.cont().unwrap(), StopReason::Breakpoint { addr: corrupt });
    assert_eq!(read_i64(&mut t, counter), 15);
    t.write_memory(counter, &1000i64.to_le_bytes()).unwrap();
    assert_eq!(read_i64(&mut t, counter), 1000);
    assert!(matches!(t.cont().unwrap(), StopReason::EndOfHistory { .. }));
    assert_eq!(
        t.reverse_cont().unwrap(),
        StopReason::Breakpoint { addr: corrupt }
    );
    assert_eq!(read_i64(&mut t, counter), 15);
    assert_eq!(t.stepi().unwrap(), StopReason::Step);
    assert_eq!(read_i64(&mut t, counter), 1000);
    t.close().unwrap();
    drop(t);
    // This thread traced with rdtsc trapped; rtt started from it would inherit that.
    rtt_replay::sys::untrap_tsc_in_this_thread();

    // The trace is complete and replays the written value.
    let out = common::rtt()
        .args(["replay", "--autopilot"])
        .arg(&trace)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(text.contains("counter=1000"), "{text}");
}
