//! Where traces live: `$RTT_TRACE_DIR` or `~/.local/share/rtt`, named `PROG-N`, with a
//! `latest-trace` link to the newest.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

const LATEST: &str = "latest-trace";

/// The directory that holds traces by default.
pub fn base_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("RTT_TRACE_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .context("HOME is not set; use -o DIR or RTT_TRACE_DIR")?;
    Ok(PathBuf::from(home).join(".local/share/rtt"))
}

/// A new, unused trace directory name for program `prog` in the default place.
pub fn new_default(prog: &Path) -> Result<PathBuf> {
    let base = base_dir()?;
    std::fs::create_dir_all(&base).with_context(|| format!("cannot create {}", base.display()))?;
    let stem = prog
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "trace".into());
    for n in 0.. {
        let cand = base.join(format!("{stem}-{n}"));
        if !cand.exists() && std::fs::symlink_metadata(&cand).is_err() {
            return Ok(cand);
        }
    }
    unreachable!("an unused trace name exists")
}

/// Fails unless `dir` is absent or an empty directory (where a new trace can go).
pub fn refuse_non_empty(dir: &Path) -> Result<()> {
    let empty = !dir.exists()
        || std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
    if !empty {
        bail!(
            "{}: already exists and is not an empty directory",
            dir.display()
        );
    }
    Ok(())
}

/// Points `latest-trace` in the default place at `dir`.
pub fn set_latest(dir: &Path) -> Result<()> {
    let base = base_dir()?;
    std::fs::create_dir_all(&base).with_context(|| format!("cannot create {}", base.display()))?;
    let link = base.join(LATEST);
    let tmp = base.join(format!(".{LATEST}.{}", std::process::id()));
    let target = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(&target, &tmp)
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    std::fs::rename(&tmp, &link).with_context(|| format!("cannot update {}", link.display()))?;
    Ok(())
}

/// The trace named on the command line, or the latest one.
pub fn resolve(dir: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(d) = dir {
        return Ok(d);
    }
    let link = base_dir()?.join(LATEST);
    match std::fs::read_link(&link) {
        Ok(t) => Ok(t),
        Err(_) => bail!("no trace given and no latest trace in {}", link.display()),
    }
}
