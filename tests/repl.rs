//! The REPL (`rtt replay DIR` with commands on stdin) over recorded testprogs: scripted
//! sessions compared with golden outputs in `tests/repl/NAME.out`, and checks of what
//! depends on the machine (libc's symbols). `RTT_BLESS=1` rewrites the golden files.
//! Golden sessions stay out of libc and the loader, whose addresses and symbols
//! (separate debug packages) differ between machines.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// Records `bin` run as `./NAME` from its directory with a fixed environment, so that
/// its stack (and every address the sessions print) is the same on every machine.
fn record_clean(bin: &Path, label: &str) -> PathBuf {
    let dir = common::work_dir().join("repl-bin").join(label);
    std::fs::create_dir_all(&dir).unwrap();
    let name = bin.file_name().unwrap();
    std::fs::copy(bin, dir.join(name)).unwrap();
    let trace = common::fresh_trace_dir(&format!("repl-{label}"));
    let out = common::rtt()
        .arg("record")
        .arg("-o")
        .arg(&trace)
        .arg("--")
        .arg(format!("./{}", name.to_string_lossy()))
        .current_dir(&dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "record {label}: {out:?}");
    trace
}

fn trace_of(testprog: &str) -> PathBuf {
    static TRACES: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut map = TRACES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    map.entry(testprog.to_string())
        .or_insert_with(|| record_clean(&common::build_testprog(testprog), testprog))
        .clone()
}

/// Runs the REPL over `trace` with `input` on stdin; returns stdout and stderr.
fn repl(trace: &Path, args: &[&str], input: &str) -> (String, String, i32) {
    let out = common::run_with_input(common::rtt().arg("replay").args(args).arg(trace), input);
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        common::code(&out),
    )
}

/// The text with the low bits of stack addresses (`0x7fffffffXXXX`) hidden: where the
/// stack's contents start depends on how many auxiliary-vector entries the kernel gives.
fn stack_addresses_hidden(text: &str) -> String {
    const PREFIX: &str = "0x7fffffff";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(PREFIX) {
        out.push_str(&rest[..i + PREFIX.len()]);
        rest = &rest[i + PREFIX.len()..];
        let hex = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        if hex == 4 {
            out.push_str("XXXX");
            rest = &rest[4..];
        }
    }
    out.push_str(rest);
    out
}

/// The text with thread ids (`Thread 1234 `), which differ between recordings, as `N`.
fn thread_ids_hidden(text: &str) -> String {
    const PREFIX: &str = "Thread ";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(PREFIX) {
        out.push_str(&rest[..i + PREFIX.len()]);
        rest = &rest[i + PREFIX.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push('N');
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// `rtt run ./NAME` (from a directory of `label`'s, with a fixed environment) with
/// `input` on stdin.
fn live(testprog: &str, label: &str, input: &str) -> (String, String, i32) {
    let bin = common::build_testprog(testprog);
    // One directory per session: a binary being run cannot be copied over.
    let dir = common::work_dir().join("repl-live").join(label);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&bin, dir.join(testprog)).unwrap();
    let traces =
        common::work_dir().join(format!("repl-live-traces-{label}-{}", std::process::id()));
    let mut cmd = common::rtt();
    cmd.args(["run", &format!("./{testprog}")])
        .current_dir(&dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("RTT_TRACE_DIR", &traces);
    let out = common::run_with_input(&mut cmd, input);
    // Without --keep, the trace is gone.
    let left: Vec<_> = std::fs::read_dir(&traces)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        left.iter().all(|n| n.to_string_lossy() == "history"),
        "trace left behind: {left:?}"
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        common::code(&out),
    )
}

/// Runs `tests/repl/NAME.txt` and compares with `NAME.out` (rewritten with RTT_BLESS=1).
fn golden(name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/repl");
    let script = std::fs::read_to_string(dir.join(format!("{name}.txt"))).unwrap();
    let (out, err, code) = match script.lines().find_map(|l| l.strip_prefix("#! run ")) {
        Some(prog) => live(prog.trim(), name, &script),
        None => {
            let testprog = script
                .lines()
                .find_map(|l| l.strip_prefix("#! testprog "))
                .expect("#! testprog NAME or #! run NAME line")
                .trim()
                .to_string();
            repl(&trace_of(&testprog), &[], &script)
        }
    };
    assert_eq!(code, 0, "{name}: exit status; stderr:\n{err}");
    // The first stop is in the dynamic loader, which differs between machines.
    let out = match out.find("(rtt) ") {
        Some(i) => thread_ids_hidden(&stack_addresses_hidden(&out[i..])),
        None => out,
    };
    assert!(!err.contains("panicked"), "{name}: {err}");
    let expected_path = dir.join(format!("{name}.out"));
    if std::env::var_os("RTT_BLESS").is_some() {
        std::fs::write(&expected_path, &out).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&expected_path)
        .unwrap_or_else(|_| panic!("no {}: run with RTT_BLESS=1", expected_path.display()));
    if out != expected {
        let first = out
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(out.lines().count().min(expected.lines().count()));
        panic!(
            "{name}: output differs from {} at line {} (RTT_BLESS=1 rewrites it)\n--- got ---\n{out}\n--- stderr ---\n{err}",
            expected_path.display(),
            first + 1
        );
    }
}

#[test]
fn hunting_a_corrupted_global_with_watch_and_last() {
    golden("hunt");
}

#[test]
fn reverse_finish_then_the_callers_locals() {
    golden("finish_locals");
}

#[test]
fn breakpoints_lines_stepping_listing_memory() {
    golden("lines");
}

#[test]
fn conditional_breakpoints_both_ways() {
    golden("conditions");
}

#[test]
fn live_session_goes_back_and_on_while_recording() {
    golden("live");
}

#[test]
fn live_watchpoints_and_back() {
    golden("live_watch");
}

#[test]
fn until_advance_and_frame_info() {
    golden("until");
}

#[test]
fn a_tracer_and_its_tracee_both_ways() {
    golden("nested");
}

#[test]
fn bad_input_leaves_the_repl_usable() {
    golden("errors");
}

#[test]
fn backtraces_go_through_libc() {
    let (out, err, code) = repl(
        &trace_of("gdb_bank"),
        &[],
        "break main\ncontinue\nbreak write\ncontinue\nbacktrace\nfinish\n",
    );
    assert_eq!(code, 0, "{err}");
    // libc's own names depend on this machine's debug packages; main's do not.
    let bt = out.split("(rtt) backtrace").nth(1).unwrap();
    assert!(bt.contains("#0  "), "{out}");
    assert!(bt.contains("write"), "{out}");
    assert!(bt.contains("libc"), "{out}");
    // The program's output is flushed at exit: main has returned, _start has not.
    assert!(bt.contains(" in _start () from "), "{out}");
    assert!(out.contains("Run till exit from #0"), "{out}");
}

#[test]
fn a_program_without_debug_info_still_has_addresses_and_code() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("testprogs/gdb_bank.c");
    let bin = common::work_dir().join("bank_nodebug");
    let st = Command::new("gcc")
        .args(["-O0", "-fno-inline", "-o"])
        .arg(&bin)
        .arg(&src)
        .status()
        .unwrap();
    assert!(st.success());
    let trace = record_clean(&bin, "nodebug");
    let (out, err, code) = repl(
        &trace,
        &[],
        "break corrupt\ncontinue\nbt 2\nx/2i $pc\nprint balance\nprint (int)balance\nnexti\nstep\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Breakpoint 1, "), "{out}");
    assert!(out.contains(" in corrupt ()"), "{out}");
    assert!(out.contains("=> 0x"), "{out}");
    assert!(out.contains("'balance' has unknown type"), "{out}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_script_file_runs_first_and_eof_quits() {
    let dir = common::work_dir().join("repl-x");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cmds");
    std::fs::write(&file, "break corrupt\ncontinue\n").unwrap();
    let (out, err, code) = repl(
        &trace_of("gdb_bank"),
        &["-x", file.to_str().unwrap()],
        "print seed\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Breakpoint 1, corrupt (seed=1)"), "{out}");
    assert!(out.contains("(rtt) print seed\n$1 = 1"), "{out}");
    let (_, err, code) = repl(&trace_of("gdb_bank"), &["-x", "/no/such/file"], "");
    assert_eq!(code, 1);
    assert!(err.contains("cannot read /no/such/file"), "{err}");
}

#[test]
fn rust_locals() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("testprogs/rust_locals.rs");
    let bin = common::work_dir().join("rust_locals");
    let st = Command::new("rustc")
        .args(["-g", "-C", "opt-level=0", "-o"])
        .arg(&bin)
        .arg(&src)
        .status()
        .unwrap();
    assert!(st.success());
    let trace = record_clean(&bin, "rust");
    let (out, err, code) = repl(
        &trace,
        &[],
        "break rust_locals::checkpoint\ncontinue\ninfo args\nup\ninfo locals\nprint count\nprint total\nprint pair.1\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Breakpoint 1, rust_locals::checkpoint"),
        "{out}"
    );
    assert!(out.contains("label = "), "{out}");
    assert!(out.contains("count = 3"), "{out}");
    assert!(out.contains("total = 60"), "{out}");
    assert!(out.contains("$3 = -7"), "{out}");
}
