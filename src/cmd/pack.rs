//! `rtt pack [DIR]`: make a trace self-contained and check that it is.
//!
//! Every file replay needs (executables, scripts, ELF interpreters, mapped files) is
//! already copied into `files/` while recording; pack checks each copy against its content
//! hash and restores a missing or damaged one from its recorded path when the file there
//! still has the recorded content. It also copies this machine's separate debugging
//! information for those files (`/usr/lib/debug/.build-id/…`) into `debug/.build-id/`,
//! where rtt's debugger looks first, so that the trace debugs with symbols elsewhere.

use crate::tracedir;
use anyhow::{bail, Context, Result};
use rtt_replay::trace::{content_hash, TraceReader};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use rtt_replay::trace::DEBUG_DIR;

pub fn run(dir: Option<PathBuf>) -> Result<i32> {
    let dir = tracedir::resolve(dir)?;
    let trace = TraceReader::open(&dir)?;
    let needed = needed_files(&trace)?;
    let (mut restored, mut missing, mut debug) = (0, Vec::new(), 0);
    let mut bytes = 0u64;
    for (hash, path) in &needed {
        let copy = trace.file_path(hash);
        let data = match std::fs::read(&copy) {
            Ok(d) if content_hash(&d) == *hash => d,
            _ => match std::fs::read(path) {
                Ok(d) if content_hash(&d) == *hash => {
                    std::fs::write(&copy, &d)
                        .with_context(|| format!("cannot write {}", copy.display()))?;
                    restored += 1;
                    d
                }
                _ => {
                    missing.push(path.clone());
                    continue;
                }
            },
        };
        bytes += data.len() as u64;
        if copy_debug_info(&data, &dir)? {
            debug += 1;
        }
    }
    if !missing.is_empty() {
        for p in &missing {
            eprintln!("rtt: missing from the trace and not on this machine as recorded: {p}");
        }
        bail!(
            "{}: {} of {} needed files cannot be restored; the trace cannot replay past them",
            dir.display(),
            missing.len(),
            needed.len()
        );
    }
    println!(
        "{}: self-contained: {} files ({:.1} MiB){}{}",
        dir.display(),
        needed.len(),
        bytes as f64 / f64::from(1 << 20),
        if restored > 0 {
            format!(", {restored} restored")
        } else {
            String::new()
        },
        if debug > 0 {
            format!(", debugging information for {debug} added")
        } else {
            String::new()
        }
    );
    Ok(0)
}

/// Every captured file the events refer to: hash -> recorded path.
fn needed_files(trace: &TraceReader) -> Result<BTreeMap<String, String>> {
    let mut needed = BTreeMap::new();
    let mut events = trace.events()?;
    while let Some(ev) = events.next().context("reading the trace's events")? {
        for (path, hash) in ev.captured_files() {
            needed.entry(hash).or_insert(path);
        }
    }
    Ok(needed)
}

/// Copies this machine's separate debugging information for the ELF file `data` into the
/// trace, if there is any; whether the trace has it.
fn copy_debug_info(data: &[u8], trace: &Path) -> Result<bool> {
    let Some(rel) = object::File::parse(data)
        .ok()
        .and_then(|f| build_id_rel(&f))
    else {
        return Ok(false);
    };
    let dest = trace.join(DEBUG_DIR).join(&rel);
    if dest.exists() {
        return Ok(true);
    }
    let src = Path::new("/usr/lib/debug/.build-id").join(&rel);
    if !src.exists() {
        return Ok(false);
    }
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::copy(&src, &dest).with_context(|| format!("cannot copy {}", src.display()))?;
    Ok(true)
}

/// `xx/yyyy.debug` for a parsed file with a build id.
pub fn build_id_rel(file: &object::File) -> Option<PathBuf> {
    use object::Object;
    let id = file.build_id().ok()??;
    let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
    (hex.len() >= 3).then(|| PathBuf::from(format!("{}/{}.debug", &hex[..2], &hex[2..])))
}
