//! Shared helpers for the integration tests: building test programs, running rtt.
#![allow(dead_code)]

pub mod gdb;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The rtt binary under test.
pub fn rtt() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rtt"))
}

/// Directory for build products and traces of this test run.
pub fn work_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rtt-tests");
    std::fs::create_dir_all(&d).expect("create test work dir");
    d
}

/// A fresh, empty directory path (not created) for a trace.
pub fn fresh_trace_dir(name: &str) -> PathBuf {
    let d = work_dir()
        .join("traces")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.parent().unwrap()).unwrap();
    d
}

/// Header keys of a testprog (`//! key: value` lines).
pub fn header(src: &str, key: &str) -> Option<String> {
    src.lines()
        .take_while(|l| l.starts_with("//!") || l.trim().is_empty())
        .filter_map(|l| l.strip_prefix("//!"))
        .filter_map(|l| l.trim().split_once(':'))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().to_string())
}

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testprogs")
}

/// Builds testprog `name` (once per test process) and returns its path.
pub fn build_testprog(name: &str) -> PathBuf {
    static BUILT: OnceLock<std::sync::Mutex<std::collections::HashMap<String, PathBuf>>> =
        OnceLock::new();
    let map = BUILT.get_or_init(Default::default);
    let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(p) = map.get(name) {
        return p.clone();
    }
    let src = source_dir().join(format!("{name}.c"));
    let text = std::fs::read_to_string(&src).expect("read testprog source");
    let out = work_dir().join("bin").join(name);
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let mut cmd = Command::new("gcc");
    cmd.args(["-O1", "-g", "-Wall", "-o"]).arg(&out).arg(&src);
    if let Some(flags) = header(&text, "cflags") {
        cmd.args(flags.split_whitespace());
    }
    let res = cmd.output().expect("run gcc");
    assert!(
        res.status.success(),
        "gcc failed for {name}: {}",
        String::from_utf8_lossy(&res.stderr)
    );
    map.insert(name.to_string(), out.clone());
    out
}

/// Starts `cmd` with `input` written to its stdin (then closed) and its output piped.
pub fn spawn_with_input(cmd: &mut Command, input: &str) -> std::process::Child {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child
}

/// Runs `cmd` with `input` on its stdin and its output captured (a REPL session).
pub fn run_with_input(cmd: &mut Command, input: &str) -> Output {
    spawn_with_input(cmd, input).wait_with_output().unwrap()
}

/// The exit code of a finished rtt (or -1 if it died of a signal).
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Records `argv` into `trace` with stdin from /dev/null.
pub fn record(trace: &Path, argv: &[&str]) -> Output {
    record_with(trace, &[], argv)
}

/// Records `argv` into `trace` with extra `rtt record` options and stdin from /dev/null.
pub fn record_with(trace: &Path, options: &[&str], argv: &[&str]) -> Output {
    rtt()
        .arg("record")
        .arg("-o")
        .arg(trace)
        .args(options)
        .arg("--")
        .args(argv)
        .stdin(Stdio::null())
        .output()
        .expect("run rtt record")
}

/// Replays `trace` with --autopilot.
pub fn replay(trace: &Path) -> Output {
    rtt()
        .args(["replay", "--autopilot"])
        .arg(trace)
        .stdin(Stdio::null())
        .output()
        .expect("run rtt replay")
}

/// Records `argv`, replays it, and checks that stdout and status are identical.
/// Returns the recording's output.
pub fn record_replay(name: &str, argv: &[&str], expect_code: i32) -> Output {
    record_replay_with(name, &[], argv, expect_code, 1)
}

/// Records `argv` with `rtt record` options `options`, replays it `replays` times, and
/// checks that every replay's stdout and status are the recording's.
pub fn record_replay_with(
    name: &str,
    options: &[&str],
    argv: &[&str],
    expect_code: i32,
    replays: usize,
) -> Output {
    let trace = fresh_trace_dir(name);
    let rec = record_with(&trace, options, argv);
    assert_eq!(
        code(&rec),
        expect_code,
        "{name}: rtt record exit status; stderr:\n{}",
        String::from_utf8_lossy(&rec.stderr)
    );
    for _ in 0..replays {
        let rep = replay(&trace);
        assert_eq!(
            code(&rep),
            expect_code,
            "{name}: rtt replay exit status; stderr:\n{}",
            String::from_utf8_lossy(&rep.stderr)
        );
        if rec.stdout != rep.stdout {
            panic!(
                "{name}: replayed stdout differs\n--- recorded ---\n{}\n--- replayed ---\n{}\n--- replay stderr ---\n{}",
                String::from_utf8_lossy(&rec.stdout),
                String::from_utf8_lossy(&rep.stdout),
                String::from_utf8_lossy(&rep.stderr)
            );
        }
    }
    let _ = std::fs::remove_dir_all(&trace);
    rec
}

/// Builds, records and replays testprog `name`, checking its declared exit status and
/// that a successful run ends with EXIT-SUCCESS.
pub fn record_replay_testprog(name: &str) {
    let text = std::fs::read_to_string(source_dir().join(format!("{name}.c"))).unwrap();
    let expect: i32 = header(&text, "exit")
        .map(|v| v.parse().expect("exit header"))
        .unwrap_or(0);
    let bin = build_testprog(name);
    let mut argv = vec![bin.to_str().unwrap().to_string()];
    if let Some(a) = header(&text, "args") {
        argv.extend(a.split_whitespace().map(str::to_string));
    }
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let options = header(&text, "rtt").unwrap_or_default();
    let options: Vec<&str> = options.split_whitespace().collect();
    let replays = header(&text, "replays")
        .map(|v| v.parse().expect("replays header"))
        .unwrap_or(1);
    let rec = record_replay_with(name, &options, &argv, expect, replays);
    if expect == 0 {
        let out = String::from_utf8_lossy(&rec.stdout);
        assert!(
            out.trim_end().ends_with("EXIT-SUCCESS"),
            "{name}: no EXIT-SUCCESS in:\n{out}"
        );
    }
}
