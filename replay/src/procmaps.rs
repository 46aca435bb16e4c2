//! Parsing `/proc/PID/maps`.

use crate::error::{Error, Result};
use crate::trace::Mapping;

/// The mappings of process `pid`.
pub fn read(pid: i32) -> Result<Vec<Mapping>> {
    let path = format!("/proc/{pid}/maps");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(format!("read {path}"), e))?;
    Ok(text.lines().filter_map(parse_line).collect())
}

fn parse_line(line: &str) -> Option<Mapping> {
    let mut fields = line.splitn(6, ' ');
    let range = fields.next()?;
    let perms = fields.next()?.to_string();
    let _offset = fields.next()?;
    let _dev = fields.next()?;
    let _inode = fields.next()?;
    let name = fields.next().unwrap_or("").trim().to_string();
    let (s, e) = range.split_once('-')?;
    Some(Mapping {
        start: u64::from_str_radix(s, 16).ok()?,
        end: u64::from_str_radix(e, 16).ok()?,
        perms,
        name,
    })
}

/// The thread group (process) id of thread `tid`, from /proc (None once it is gone).
pub fn tgid_of(tid: i32) -> Option<i32> {
    std::fs::read_to_string(format!("/proc/{tid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("Tgid:"))?
        .trim()
        .parse()
        .ok()
}

/// Thread `tid`'s blocked and ignored signals (bit N-1 for signal N), from /proc.
pub fn signal_masks(tid: i32) -> (u64, u64) {
    let [blocked, ignored, _] = signal_sets(tid);
    (blocked, ignored)
}

/// Thread `tid`'s blocked, ignored and caught signals (bit N-1 for signal N), from /proc.
pub fn signal_sets(tid: i32) -> [u64; 3] {
    let status = std::fs::read_to_string(format!("/proc/{tid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
            .unwrap_or(0)
    };
    [field("SigBlk:"), field("SigIgn:"), field("SigCgt:")]
}

/// Thread `tid`'s stack size limit (soft, hard; u64::MAX for unlimited), from /proc.
pub fn stack_limit(tid: i32) -> (u64, u64) {
    let limits = std::fs::read_to_string(format!("/proc/{tid}/limits")).unwrap_or_default();
    let value = |v: Option<&str>| match v {
        Some("unlimited") | None => u64::MAX,
        Some(n) => n.parse().unwrap_or(u64::MAX),
    };
    limits
        .lines()
        .find_map(|l| l.strip_prefix("Max stack size"))
        .map(|rest| {
            let mut f = rest.split_whitespace();
            (value(f.next()), value(f.next()))
        })
        .unwrap_or((u64::MAX, u64::MAX))
}

/// The name (`comm`) of thread `tid`, from /proc (empty once it is gone).
pub fn comm_of(tid: i32) -> String {
    std::fs::read_to_string(format!("/proc/{tid}/comm"))
        .map(|s| s.trim_end_matches('\n').to_string())
        .unwrap_or_default()
}

/// The thread ids of process `tgid` (empty once it is gone).
pub fn threads_of(tgid: i32) -> Vec<i32> {
    std::fs::read_dir(format!("/proc/{tgid}/task"))
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Thread `tid`'s scheduler state letter (R, S, D, t, Z...), None once it is gone.
fn state_of(tid: i32) -> Option<char> {
    let text = std::fs::read_to_string(format!("/proc/{tid}/stat")).ok()?;
    // The state follows the command name, which is in parentheses.
    text.rsplit_once(") ")?.1.chars().next()
}

/// Whether thread `tid` has died (a zombie, or gone).
pub fn is_dead(tid: i32) -> bool {
    matches!(state_of(tid), None | Some('Z') | Some('X') | Some('x'))
}

/// Whether thread `tid` is dead or dies within 50 ms (one killed by SIGKILL is on its way
/// out: rtt's requests on it fail before it is a zombie).
pub fn dies_soon(tid: i32) -> bool {
    for _ in 0..500 {
        if is_dead(tid) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_micros(100));
    }
    false
}

/// Waits until thread `tid`, resumed into a syscall, sleeps in it, stops or ends. Gives up
/// after a few seconds.
pub fn wait_until_blocked(tid: i32) {
    // Tracer and tracees share one CPU: the thread gets on only while rtt sleeps.
    for _ in 0..200_000u32 {
        if !matches!(state_of(tid), Some('R')) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_micros(10));
    }
}

/// Waits until thread `tid` has finished exiting (a zombie, or gone): by then the kernel has
/// cleared and woken its CLONE_CHILD_CLEARTID word, which other threads may be waiting on.
/// Gives up after a few seconds.
pub fn wait_until_dead(tid: i32) {
    for _ in 0..200_000u32 {
        if is_dead(tid) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_micros(10));
    }
}

/// The processes whose parent is process `tgid` (any of its threads), from /proc.
pub fn children_of(tgid: i32) -> Vec<i32> {
    threads_of(tgid)
        .into_iter()
        .filter_map(|t| std::fs::read_to_string(format!("/proc/{tgid}/task/{t}/children")).ok())
        .flat_map(|s| {
            s.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<i32>>()
        })
        .collect()
}

/// The process group of thread `tid`, from /proc.
pub fn pgid_of(tid: i32) -> Option<i32> {
    let text = std::fs::read_to_string(format!("/proc/{tid}/stat")).ok()?;
    // After the command name: state, ppid, pgrp.
    text.rsplit_once(") ")?.1.split(' ').nth(2)?.parse().ok()
}

/// The parent process of thread `tid` (its real parent, not a tracer), from /proc.
pub fn ppid_of(tid: i32) -> Option<i32> {
    let text = std::fs::read_to_string(format!("/proc/{tid}/stat")).ok()?;
    text.rsplit_once(") ")?.1.split(' ').nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_line() {
        let m =
            parse_line("555555554000-555555556000 r--p 00000000 fe:01 123  /usr/bin/true").unwrap();
        assert_eq!(m.start, 0x555555554000);
        assert_eq!(m.end, 0x555555556000);
        assert_eq!(m.perms, "r--p");
        assert_eq!(m.name, "/usr/bin/true");
        let anon = parse_line("7ffff7fc1000-7ffff7fc5000 rw-p 00000000 00:00 0 ").unwrap();
        assert_eq!(anon.name, "");
    }
}
