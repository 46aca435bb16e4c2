//! Interrupting a run when input arrives: a front end that serves a connection (gdb's
//! Ctrl-C comes as a byte on it) cannot read it while the replay runs, so a helper thread
//! waits for the connection to become readable and interrupts the run like Ctrl-C would.

use super::{check, INTERRUPTED};
use crate::error::{Error, Result};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;

/// Watches a descriptor while it lives; input on it sets the interrupt flag and signals
/// the thread that started the watch (SIGINT: see [`catch_sigint`]).
pub struct InputWatch {
    stop: OwnedFd,
    thread: Option<JoinHandle<()>>,
}

/// Makes SIGINT set the interrupt flag (see [`super::interrupted`]) and interrupt a
/// blocking wait, leaving SIGTERM and SIGHUP as they are.
pub fn catch_sigint() {
    super::catch(&[libc::SIGINT]);
}

impl InputWatch {
    /// Starts watching `fd` (not closed by the watch).
    pub fn start(fd: RawFd) -> Result<InputWatch> {
        let mut ends = [0i32; 2];
        // SAFETY: pipe2 writes two descriptors into `ends`.
        let rc = unsafe { libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC) };
        check("pipe2", rc as libc::c_long)?;
        // SAFETY: both descriptors were just created and are owned here only.
        let (read_end, write_end) =
            unsafe { (OwnedFd::from_raw_fd(ends[0]), OwnedFd::from_raw_fd(ends[1])) };
        // SAFETY: gettid has no arguments and cannot fail.
        let me = unsafe { libc::gettid() };
        let thread = std::thread::Builder::new()
            .name("rtt-input-watch".into())
            .spawn(move || {
                if wait_readable(fd, read_end.as_raw_fd()) {
                    INTERRUPTED.store(true, Ordering::SeqCst);
                    let _ = super::tgkill(std::process::id() as i32, me, libc::SIGINT);
                }
            })
            .map_err(|e| Error::io("start the input watch thread", e))?;
        Ok(InputWatch {
            stop: write_end,
            thread: Some(thread),
        })
    }
}

/// Whether `fd` became readable (or hung up) before `stop` did.
fn wait_readable(fd: RawFd, stop: RawFd) -> bool {
    let mut fds = [
        libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: stop,
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    loop {
        // SAFETY: `fds` holds two initialised pollfd structs and its length is passed.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        if n >= 0 {
            break;
        }
        if nix::errno::Errno::last() != nix::errno::Errno::EINTR {
            return false;
        }
    }
    fds[1].revents == 0 && fds[0].revents != 0
}

impl Drop for InputWatch {
    fn drop(&mut self) {
        // SAFETY: writes one byte from a live buffer to a descriptor owned here.
        unsafe {
            libc::write(self.stop.as_raw_fd(), [1u8].as_ptr().cast(), 1);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
