//! Programs that use ptrace themselves, which rtt emulates for them: a real strace and a
//! real gdb recorded and replayed, their output compared byte for byte. (Each request,
//! stop and wait has a testprog of its own: `testprogs/nptrace_*.c`.)

mod common;

use common::{record_replay, work_dir};
use std::process::Command;

#[test]
fn strace_follows_a_shell_pipeline() {
    let rec = record_replay(
        "strace_pipeline",
        &[
            "sh",
            "-c",
            "strace -f -q sh -c 'echo hello | tr a-z A-Z; ls / | wc -l' 2>&1",
        ],
        0,
    );
    let out = String::from_utf8_lossy(&rec.stdout);
    // strace saw every process of the pipeline: its execs, its writes and their ends.
    for needle in [
        "execve(\"/usr/bin/sh\"",
        "execve(\"/usr/bin/tr\", [\"tr\", \"a-z\", \"A-Z\"]",
        "execve(\"/usr/bin/ls\"",
        "write(1, \"HELLO\\n\", 6",
        "HELLO\n",
        "+++ exited with 0 +++",
    ] {
        assert!(out.contains(needle), "no {needle:?} in:\n{out}");
    }
}

#[test]
fn gdb_runs_a_crashing_program_to_its_backtrace() {
    let dir = work_dir().join(format!("nested-gdb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nested/crash.c");
    let bin = dir.join("crash");
    let cc = Command::new("gcc")
        .args(["-g", "-O0", "-o"])
        .arg(&bin)
        .arg(&src)
        .output()
        .unwrap();
    assert!(cc.status.success(), "{cc:?}");
    let bin = bin.to_str().unwrap();
    let rec = record_replay(
        "gdb_crash",
        &[
            "gdb",
            "-nx",
            "-batch",
            "-ex",
            "run",
            "-ex",
            "bt",
            "-ex",
            "print depth",
            bin,
        ],
        0,
    );
    let out = String::from_utf8_lossy(&rec.stdout);
    common::gdb::assert_in_order(
        &out,
        &[
            "about to crash",
            "Program received signal SIGSEGV, Segmentation fault.",
            "#0  ",
            "crash (p=0x0, n=42) at ",
            "#1  ",
            "walk (n=0)",
            "walk (n=3)",
            "main () at ",
            "$1 = 42",
        ],
    );
}
