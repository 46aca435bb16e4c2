//! Real tools recorded and replayed: output and exit status must be identical.

mod common;

use common::{record_replay, work_dir};

#[test]
fn ls_la() {
    record_replay("ls", &["ls", "-la", "/usr/share/doc"], 0);
}

#[test]
fn shell_pipeline() {
    record_replay(
        "sh_pipeline",
        &[
            "sh",
            "-c",
            "echo hello world | tr a-z A-Z | sort; ls /etc | wc -l; echo $$",
        ],
        0,
    );
}

#[test]
fn sort_file() {
    record_replay("sort", &["sort", "-r", "/etc/passwd"], 0);
}

#[test]
fn python_random_time_pid() {
    record_replay(
        "python3",
        &["python3", "-c", "import random,time,os; print(random.random(), time.time(), os.getpid(), os.urandom(8).hex())"],
        0,
    );
}

#[test]
fn perl_random_time_pid() {
    record_replay(
        "perl",
        &["perl", "-e", "print rand(), ' ', time, ' ', $$, qq{\\n}"],
        0,
    );
}

#[test]
fn git_version() {
    record_replay("git", &["git", "--version"], 0);
}

#[test]
fn gcc_compile_and_run() {
    let dir = work_dir().join(format!("gcc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("hello.c");
    std::fs::write(&src, "#include <stdio.h>\n#include <time.h>\nint main(){printf(\"compiled %ld\\n\",(long)time(0));return 0;}\n").unwrap();
    let script = format!(
        "gcc -O1 -o {0}/hello {0}/hello.c && {0}/hello",
        dir.display()
    );
    record_replay("gcc", &["sh", "-c", &script], 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn make_builds_targets() {
    let dir = work_dir().join(format!("make-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("Makefile"),
        "all: a b\na:\n\t@echo building a\nb: a\n\t@echo building b at $$(date +%s%N)\n",
    )
    .unwrap();
    record_replay("make", &["make", "-s", "-C", dir.to_str().unwrap()], 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn failing_command_status_propagates() {
    record_replay("false", &["sh", "-c", "echo before; exit 42"], 42);
}

/// Replay execs the recorded copy of each executable and script: it works after they are
/// deleted, and for relative paths after a `cd` (which is emulated at replay).
#[test]
fn replay_after_executables_are_deleted() {
    let dir = work_dir().join(format!("deleted-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let prog = dir.join("prog");
    std::fs::copy(common::build_testprog("time_basic"), &prog).unwrap();
    let script = dir.join("script.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\necho script says $# args: \"$@\"\n./prog | tail -1\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let trace = common::fresh_trace_dir("deleted");
    let cmd = format!(
        "cd {} && ./script.sh a b && ./prog | head -3",
        dir.display()
    );
    let rec = common::record(&trace, &["sh", "-c", &cmd]);
    assert_eq!(
        common::code(&rec),
        0,
        "{}",
        String::from_utf8_lossy(&rec.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let rep = common::replay(&trace);
    assert_eq!(
        common::code(&rep),
        0,
        "{}",
        String::from_utf8_lossy(&rep.stderr)
    );
    assert_eq!(rec.stdout, rep.stdout);
    assert!(String::from_utf8_lossy(&rep.stdout).contains("script says 2 args: a b"));
}

/// A shell writing to `/dev/stdout` and `/dev/stderr`, which open rtt's own pipe again: the
/// writes succeed at record (a pipe opened by name takes no RWF_NOWAIT, so the recorder lets
/// the program write itself) and are shown again at replay.
#[test]
fn writes_to_dev_stdout() {
    let rec = record_replay(
        "dev_stdout",
        &[
            "sh",
            "-c",
            "echo out > /dev/stdout && echo err > /dev/stderr && echo plain",
        ],
        0,
    );
    assert_eq!(String::from_utf8_lossy(&rec.stdout), "out\nplain\n");
}
