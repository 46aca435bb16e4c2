//! The gdb server driven by a real gdb in batch mode over recorded testprogs: reverse
//! execution, watchpoints, symbols from the trace, transports and bad input.

mod common;

use common::gdb::{assert_in_order, gdb, gdb_session, wait_bounded};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Mutex, OnceLock};

/// Records testprog `name` once per test process; returns the trace directory.
fn trace_of(name: &str) -> PathBuf {
    static TRACES: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut map = TRACES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(t) = map.get(name) {
        return t.clone();
    }
    let bin = common::build_testprog(name);
    let trace = common::fresh_trace_dir(&format!("gdb-{name}"));
    let rec = common::record(&trace, &[bin.to_str().unwrap()]);
    assert_eq!(common::code(&rec), 0, "record {name}: {rec:?}");
    map.insert(name.to_string(), trace.clone());
    trace
}

#[test]
fn watch_and_reverse_continue_find_the_corrupting_write() {
    let out = gdb(
        &trace_of("gdb_bank"),
        &[
            "continue",
            "watch balance",
            "reverse-continue",
            "reverse-continue",
            "bt 1",
            "reverse-continue",
            "reverse-continue",
            "reverse-continue",
        ],
    );
    assert_in_order(
        &out,
        &[
            "No more reverse-execution history.",
            "_exit",
            "Hardware watchpoint 1: balance",
            // Backwards, each stop is at the write, with the value after it as "Old".
            "Old value = -988",
            "New value = -993",
            "deposit (amount=5)",
            "Old value = -993",
            "New value = 130",
            "corrupt (seed=1)",
            "balance = junk - 1000;",
            "#0  ",
            "corrupt (seed=1)",
            "Old value = 130",
            "New value = 110",
            "deposit (amount=20)",
            "Old value = 110",
            "New value = 100",
            "deposit (amount=10)",
            "No more reverse-execution history.",
        ],
    );
}

#[test]
fn reverse_finish_returns_to_the_caller_and_reads_its_locals() {
    let out = gdb(
        &trace_of("gdb_bank"),
        &[
            "break square if x == 2",
            "continue",
            "reverse-finish",
            "print total",
            "print i",
            "info locals",
        ],
    );
    assert_in_order(
        &out,
        &[
            "Breakpoint 1, square (x=2)",
            "main (argc=1",
            "gdb_bank.c:47",
            "total += square(i);",
            "$1 = 1",
            "$2 = 2",
        ],
    );
}

#[test]
fn reverse_step_and_next_walk_back_through_a_loop() {
    let out = gdb(
        &trace_of("gdb_bank"),
        &[
            "break 48",
            "continue",
            "continue",
            "print i",
            "reverse-next",
            "reverse-next",
            "reverse-next",
            "print i",
            "reverse-step",
            "bt 1",
            "reverse-step",
            "reverse-step",
            "print $pc == &main || $pc > &main",
        ],
    );
    assert_in_order(
        &out,
        &[
            "Breakpoint 1, main",
            "Breakpoint 1, main",
            "$1 = 1",
            // Back over the call of square(1), the loop increment, the previous store.
            "47\t        total += square(i);",
            "46\t    for (int i = 0; i < 5; i++) {",
            "48\t        history[i] = total;",
            "$2 = 0",
            // reverse-step enters square from its return.
            "square (x=0)",
            "#0  square (x=0)",
        ],
    );
}

#[test]
fn reverse_next_steps_over_a_long_call_and_backtraces_cross_libc() {
    let out = gdb(
        &trace_of("gdb_bank"),
        &[
            "break settle",
            "continue",
            "reverse-next",
            "reverse-next",
            "next",
            "delete 1",
            "catch syscall write",
            "continue",
            "bt",
            "info sharedlibrary",
        ],
    );
    assert_in_order(
        &out,
        &[
            "Breakpoint 1, settle (amount=-988, percent=10)",
            "55\t    int final = settle(balance, 10);",
            "54\t    long mixed = churn(250000);",
            "55\t    int final = settle(balance, 10);",
            "Catchpoint 2 (call to syscall write)",
            "#0  ",
            "write",
            "in _start ()",
            "libc.so.6",
        ],
    );
    assert!(out.contains("ld-linux-x86-64.so.2"), "{out}");
}

#[test]
fn forward_commands_registers_and_threads() {
    let out = gdb(
        &trace_of("gdb_bank"),
        &[
            "tbreak deposit",
            "continue",
            "finish",
            "until 52",
            "stepi",
            "nexti",
            "info registers rip",
            "print $fs_base != 0",
            "print sizeof($ymm0)",
            "print $xmm0.v4_int32[0] == $xmm0.v4_int32[0]",
            "info threads",
            "thread 1",
            "rwatch balance",
            "awatch history[0]",
            "watch -l history[1]",
            "continue",
            "delete",
            "frame",
            "x/2dw &balance",
        ],
    );
    assert_in_order(
        &out,
        &[
            "Temporary breakpoint 1, deposit (amount=10)",
            "main (argc=1",
            "52\t    corrupt(argc);",
            "rip            0x",
            "$1 = 1",
            "$2 = 32",
            "$3 = 1",
            "* 1    Thread 1.",
            "[Switching to thread 1 (Thread 1.",
            "Hardware read watchpoint 2: balance",
            "Hardware access (read/write) watchpoint 3: history[0]",
            "Hardware watchpoint 4: -location history[1]",
            "watchpoint 2: balance",
            "Value = ",
        ],
    );
}

#[test]
fn end_of_history_both_ways() {
    let out = gdb(
        &trace_of("gdb_bank"),
        &[
            "reverse-stepi",
            "reverse-continue",
            "continue",
            "stepi",
            "reverse-stepi",
            "stepi",
        ],
    );
    // Both ends say so; stepping back from the end and forward again reaches it quietly.
    let n = out.matches("No more reverse-execution history.").count();
    assert_eq!(n, 4, "{out}");
    assert_in_order(
        &out,
        &["_start", "_start", "_exit", "_exit", "_exit", "_exit"],
    );
    assert!(!out.contains("rtt:"), "{out}");
}

#[test]
fn monitor_commands_checkpoint_and_go_back() {
    let out = gdb(
        &trace_of("gdb_bank"),
        &[
            "monitor when",
            "break corrupt",
            "continue",
            "monitor checkpoint",
            "monitor info checkpoints",
            "continue",
            "monitor restart 9999",
            "monitor goto",
            "monitor frobnicate",
            "monitor help",
        ],
    );
    assert_in_order(
        &out,
        &[
            "event ",
            "Breakpoint 1, corrupt (seed=1)",
            "checkpoint ",
            " at event ",
            "explicit",
            "No more reverse-execution history.",
            "rtt: ",
            "usage: monitor goto EVENT",
            "unknown monitor command `frobnicate`",
            "monitor restart N",
        ],
    );
    // Going back with restart, then telling gdb to read the state again.
    let out = gdb(
        &trace_of("gdb_bank"),
        &[
            "break corrupt",
            "continue",
            "python id = gdb.execute('monitor checkpoint', to_string=True).split()[1]",
            "continue",
            "python gdb.execute('monitor restart ' + id)",
            "maint flush register-cache",
            "maint flush dcache",
            "frame",
        ],
    );
    assert_in_order(
        &out,
        &[
            "Breakpoint 1, corrupt (seed=1)",
            "No more reverse-execution history.",
            "at checkpoint",
            "corrupt (seed=1)",
        ],
    );
}

#[test]
fn a_trace_replays_in_gdb_after_its_program_is_deleted() {
    let src = common::build_testprog("gdb_bank");
    let dir = common::work_dir().join(format!("gone-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("bank_copy");
    std::fs::copy(&src, &bin).unwrap();
    let trace = common::fresh_trace_dir("gdb-gone");
    let rec = common::record(&trace, &[bin.to_str().unwrap()]);
    assert_eq!(common::code(&rec), 0);
    std::fs::remove_dir_all(&dir).unwrap();
    let out = gdb(
        &trace,
        &["break corrupt", "continue", "bt", "info sharedlibrary"],
    );
    assert_in_order(
        &out,
        &[
            "Breakpoint 1 at 0x",
            "Breakpoint 1, corrupt (seed=1)",
            "#1  0x",
            "in main (argc=1",
            "libc.so.6",
        ],
    );
    assert!(!out.contains("No symbol table"), "{out}");
}

/// The processes below `pid` (its children, their children, ...).
fn descendants(pid: u32) -> Vec<u32> {
    let mut parent_of = HashMap::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let ppid: u32 = after.split_whitespace().nth(1).unwrap().parse().unwrap();
        parent_of.insert(p, ppid);
    }
    let mut out = vec![];
    let mut frontier = vec![pid];
    while let Some(p) = frontier.pop() {
        for (&c, &pp) in &parent_of {
            if pp == p {
                out.push(c);
                frontier.push(c);
            }
        }
    }
    out
}

fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(s) => s[s.rfind(')').unwrap() + 2..].starts_with('Z'),
    }
}

/// Frames a protocol packet.
fn packet(body: &str) -> String {
    let sum = body.bytes().fold(0u8, |a, b| a.wrapping_add(b));
    format!("${body}#{sum:02x}")
}

/// Reads one reply packet (skipping acks); returns its body.
fn reply(r: &mut impl Read) -> String {
    let mut body = Vec::new();
    let mut b = [0u8; 1];
    loop {
        r.read_exact(&mut b).expect("reply");
        if b[0] == b'$' {
            break;
        }
    }
    loop {
        r.read_exact(&mut b).expect("reply body");
        if b[0] == b'#' {
            let mut sum = [0u8; 2];
            r.read_exact(&mut sum).unwrap();
            return String::from_utf8_lossy(&body).into_owned();
        }
        body.push(b[0]);
    }
}

#[test]
fn bad_packets_get_error_replies_and_a_disconnect_leaves_nothing_behind() {
    let trace = trace_of("gdb_bank");
    let mut rtt = common::rtt()
        .args(["replay", "--gdb-stdio"])
        .arg(&trace)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut to = rtt.stdin.take().unwrap();
    let mut from = rtt.stdout.take().unwrap();
    to.write_all(packet("QStartNoAckMode").as_bytes()).unwrap();
    assert_eq!(reply(&mut from), "OK");
    to.write_all(b"+").unwrap();
    // Unknown packets get the empty reply; malformed ones an error.
    to.write_all(packet("qNoSuchThing").as_bytes()).unwrap();
    assert_eq!(reply(&mut from), "");
    to.write_all(packet("mzz,qq").as_bytes()).unwrap();
    assert!(reply(&mut from).starts_with('E'));
    to.write_all(packet("m0,8").as_bytes()).unwrap();
    assert!(reply(&mut from).starts_with('E'));
    to.write_all(packet("vFile:open:2f6e6f2f66696c65,0,0").as_bytes())
        .unwrap();
    assert!(reply(&mut from).starts_with("F-1,"));
    to.write_all(packet("g").as_bytes()).unwrap();
    let regs = reply(&mut from);
    assert!(!regs.is_empty() && !regs.starts_with('E'), "{regs}");
    // Writing what memory holds changes nothing and is accepted; a change is refused.
    let sp = "7fffffffe000";
    to.write_all(packet(&format!("m{sp},1")).as_bytes())
        .unwrap();
    let byte = u8::from_str_radix(&reply(&mut from), 16).unwrap();
    to.write_all(packet(&format!("M{sp},1:{byte:02x}")).as_bytes())
        .unwrap();
    assert_eq!(reply(&mut from), "OK");
    to.write_all(packet(&format!("M{sp},1:{:02x}", byte ^ 0xff)).as_bytes())
        .unwrap();
    assert!(reply(&mut from).starts_with('E'));
    let tracees = descendants(rtt.id());
    assert!(!tracees.is_empty());
    // gdb goes away without a word.
    drop(to);
    drop(from);
    let st = wait_bounded(&mut rtt, "rtt after disconnect");
    let mut err = String::new();
    rtt.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(st.success(), "{st:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("cannot write memory"), "{err}");
    for p in tracees {
        assert!(gone(p), "process {p} outlived the session");
    }
}

#[test]
fn tcp_transport_and_kill() {
    let trace = trace_of("gdb_bank");
    let mut rtt = common::rtt()
        .args(["replay", "--gdb-listen", "127.0.0.1:0"])
        .arg(&trace)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(rtt.stderr.take().unwrap());
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "rtt ended early");
        if let Some(rest) = line.split("listening for gdb on ").nth(1) {
            break rest.split(';').next().unwrap().trim().to_string();
        }
    };
    let (out, st) = gdb_session(
        &format!("target remote {addr}"),
        &["break corrupt", "continue", "kill"],
    );
    assert!(st.success(), "{out}");
    assert_in_order(&out, &["Breakpoint 1, corrupt (seed=1)", "killed"]);
    let st = wait_bounded(&mut rtt, "rtt after kill");
    assert!(st.success());
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let out = common::rtt()
        .args(["replay", "--gdb-listen", &addr])
        .arg(trace_of("gdb_bank"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(common::code(&out), 1, "{err}");
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
    assert!(err.contains("in use"), "{err}");
}

#[test]
fn rtt_replay_gdb_starts_gdb_connected() {
    let mut child = common::spawn_with_input(
        common::rtt()
            .args(["replay", "--gdb"])
            .arg(trace_of("gdb_bank")),
        "break corrupt\ncontinue\nbt\nquit\n",
    );
    let st = wait_bounded(&mut child, "rtt replay --gdb");
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(st.success(), "{out}");
    assert_in_order(
        &out,
        &[
            "Remote debugging using | ",
            "Breakpoint 1, corrupt (seed=1)",
            "#1  0x",
            "main (argc=1",
            "detached",
        ],
    );
}

#[test]
fn rtt_replay_gdb_without_gdb_is_a_clear_error() {
    let out = common::rtt()
        .args(["replay", "--gdb"])
        .arg(trace_of("gdb_bank"))
        .env("RTT_GDB", "/nonexistent/gdb")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(common::code(&out), 1, "{err}");
    assert!(err.contains("cannot run /nonexistent/gdb"), "{err}");
}

#[test]
fn bad_traces_and_addresses_are_clear_errors_before_gdb_starts() {
    let missing = common::work_dir().join("no-such-trace");
    for args in [
        vec!["replay", "--gdb-stdio"],
        vec!["replay", "--gdb"],
        vec!["replay", "--gdb-listen", "127.0.0.1:0"],
    ] {
        let out = common::rtt()
            .args(&args)
            .arg(&missing)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(common::code(&out), 1, "{args:?}: {err}");
        assert!(err.contains("no-such-trace"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let out = common::rtt()
        .args(["replay", "--gdb-listen", "not an address"])
        .arg(trace_of("gdb_bank"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(common::code(&out), 1, "{err}");
    assert!(err.contains("bad address `not an address`"), "{err}");
}

#[test]
fn extended_remote_run_starts_the_replay_again() {
    let connect = format!(
        "target extended-remote | {} replay --gdb-stdio {}",
        env!("CARGO_BIN_EXE_rtt"),
        trace_of("gdb_bank").display()
    );
    let (out, st) = gdb_session(
        &connect,
        &[
            "break corrupt",
            "continue",
            "run",
            "info breakpoints",
            "print $pc == corrupt || 1",
        ],
    );
    assert!(st.success(), "{out}");
    assert_in_order(
        &out,
        &[
            "Breakpoint 1, corrupt (seed=1)",
            "Breakpoint 1, corrupt (seed=1)",
            "breakpoint already hit 1 time",
        ],
    );
    assert!(!out.contains("Could not write registers"), "{out}");
}

#[test]
fn an_interrupt_stops_the_run_where_it_started() {
    let trace = trace_of("gdb_bank");
    let mut rtt = common::rtt()
        .args(["replay", "--gdb-stdio"])
        .arg(&trace)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut to = rtt.stdin.take().unwrap();
    let mut from = rtt.stdout.take().unwrap();
    to.write_all(packet("QStartNoAckMode").as_bytes()).unwrap();
    assert_eq!(reply(&mut from), "OK");
    to.write_all(packet("g").as_bytes()).unwrap();
    let regs = reply(&mut from);
    assert!(regs.len() > 32, "{regs}");
    // Ctrl-C right behind the continue request, in one write: it is there before the run.
    let mut burst = packet("c").into_bytes();
    burst.push(0x03);
    to.write_all(&burst).unwrap();
    let stop = reply(&mut from);
    assert!(stop.starts_with("T02"), "{stop}");
    to.write_all(packet("g").as_bytes()).unwrap();
    assert_eq!(reply(&mut from), regs, "the program moved");
    // The next continue runs to the end of history.
    to.write_all(packet("c").as_bytes()).unwrap();
    let stop = reply(&mut from);
    assert!(stop.contains("replaylog:end"), "{stop}");
    to.write_all(packet("D").as_bytes()).unwrap();
    assert_eq!(reply(&mut from), "OK");
    drop(to);
    assert!(wait_bounded(&mut rtt, "rtt after detach").success());
}

/// A tracer and its tracee (ptrace emulated by rtt): gdb stops in either, forwards and
/// backwards, and reads each one's own memory.
#[test]
fn a_tracer_and_its_tracee_stop_both_ways() {
    let out = gdb(
        &trace_of("nptrace_debugged"),
        &[
            "break work",
            "break on_stop",
            "continue",
            "print progress",
            "continue",
            "print stops",
            "continue",
            "print stops",
            "reverse-continue",
            "print stops",
            "reverse-continue",
            "print progress",
            "print i",
        ],
    );
    assert_in_order(
        &out,
        &[
            "hit Breakpoint 1, work (i=i@entry=1)",
            "$1 = 0",
            "hit Breakpoint 2, on_stop (status=34175)",
            "$2 = 0",
            "hit Breakpoint 2, on_stop",
            "$3 = 1",
            // Backwards: the tracer's previous stop, then the tracee's call before it.
            "hit Breakpoint 2, on_stop",
            "$4 = 0",
            "hit Breakpoint 1, work (i=i@entry=1)",
            "$5 = 0",
            "$6 = 1",
        ],
    );
}
