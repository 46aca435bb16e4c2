//! The machine: CPU features for the trace header, and pinning to one CPU.

use crate::error::{Error, Result};
use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
use nix::unistd::Pid;

/// The CPU feature flags from /proc/cpuinfo (first processor).
pub fn features() -> Vec<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with("flags"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, f)| f.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Features that matter to user-space programs and that a replay machine must have if the
/// recording machine had them (instruction-set extensions; not kernel or VM details).
fn user_visible(flag: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "sse",
        "ssse3",
        "avx",
        "fma",
        "bmi",
        "adx",
        "aes",
        "pclmul",
        "sha",
        "vaes",
        "vpclmul",
        "gfni",
        "popcnt",
        "lzcnt",
        "abm",
        "movbe",
        "f16c",
        "rdrand",
        "rdseed",
        "xsave",
        "erms",
        "fsrm",
        "rdpid",
        "cx16",
        "amx",
        "vnni",
        "movdir",
        "serialize",
    ];
    PREFIXES.iter().any(|p| flag.starts_with(p))
}

/// Checks that this CPU has every user-visible feature of `recorded`.
pub fn check_features(recorded: &[String]) -> Result<()> {
    let here = features();
    let missing: Vec<&str> = recorded
        .iter()
        .filter(|f| user_visible(f) && !here.iter().any(|h| h == *f))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::Cpu(format!(
            "this CPU lacks features the recording machine had: {} (replay would diverge)",
            missing.join(", ")
        )))
    }
}

/// The running kernel's release.
pub fn kernel_release() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Pins the calling thread (and so every process it starts afterwards) to one CPU: `cpu`
/// if given, else one chosen from the allowed set by process id, which spreads concurrent
/// rtt runs over the machine. Returns the CPU chosen.
pub fn pin(cpu: Option<usize>) -> Result<usize> {
    let allowed =
        sched_getaffinity(Pid::from_raw(0)).map_err(|e| Error::sys("sched_getaffinity", e))?;
    let cpus: Vec<usize> = (0..CpuSet::count())
        .filter(|&c| allowed.is_set(c).unwrap_or(false))
        .collect();
    let chosen = match cpu {
        Some(c) => {
            if !cpus.contains(&c) {
                return Err(Error::Spawn(format!(
                    "CPU {c} is not available (allowed: {})",
                    cpus.iter()
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                )));
            }
            c
        }
        None => *cpus
            .get(std::process::id() as usize % cpus.len().max(1))
            .unwrap_or(&0),
    };
    let mut set = CpuSet::new();
    set.set(chosen).map_err(|e| Error::sys("cpu set", e))?;
    sched_setaffinity(Pid::from_raw(0), &set).map_err(|e| Error::sys("sched_setaffinity", e))?;
    Ok(chosen)
}
