//! The memory a syscall wrote, computed from its [`Out`] descriptions, its arguments and its
//! return value.
//!
//! Everything read from the tracee here (iovec arrays, msghdrs, socklen_t values) is
//! untrusted: unreadable or nonsensical memory yields fewer regions, never a panic.

use super::{Custom, Len, Out, SyscallDef};

/// The kernel refuses more iovecs than this (UIO_MAXIOV); it also caps recvmmsg's vlen.
const UIO_MAXIOV: usize = 1024;
const IOVEC_SIZE: usize = 16;
const MSGHDR_SIZE: usize = 56;
const MMSGHDR_SIZE: usize = 64;
/// `sizeof(struct sockaddr_storage)`: the kernel never returns a longer address.
const SOCKADDR_MAX: u64 = 128;
const TIMESPEC_SIZE: usize = 16;
/// No syscall writes more than this in one piece: read and friends stop at MAX_RW_COUNT
/// (`INT_MAX & PAGE_MASK`), and the fixed-size structures are far smaller.
const MAX_REGION: usize = 0x7fff_f000;

/// The memory regions (address, length) that syscall `def` wrote, given its arguments and
/// return value. `read_mem(addr, len)` reads tracee memory after the syscall (for nested
/// pointers such as iovecs, msghdr, socklen_t, pselect6's sigset pair); it returns None when
/// the memory cannot be read. NULL pointers and zero lengths produce no region, nor do
/// lengths beyond [`MAX_REGION`] (garbage arguments of a failed call, racing threads).
pub fn output_regions(
    def: &SyscallDef,
    args: &[u64; 6],
    ret: i64,
    read_mem: &mut dyn FnMut(u64, usize) -> Option<Vec<u8>>,
) -> Vec<(u64, usize)> {
    let mut regions = Regions::default();
    if ret < 0 && !def.outs_on_error {
        return regions.0;
    }
    for out in def.outs {
        match *out {
            Out::Buf { ptr, len } => {
                let addr = arg(args, ptr);
                if addr == 0 {
                    continue;
                }
                if let Some(n) = eval_len(len, args, ret, read_mem) {
                    regions.push(addr, n);
                }
            }
            Out::Scatter { iov, cnt } => {
                if let Ok(total) = u64::try_from(ret) {
                    let cnt = usize::try_from(arg(args, cnt)).unwrap_or(usize::MAX);
                    scatter(&mut regions, arg(args, iov), cnt, total, read_mem);
                }
            }
            Out::Custom(custom) => custom_regions(&mut regions, custom, args, ret, read_mem),
        }
    }
    regions.0
}

/// Whether rtt knows how much memory ioctl `request` writes: one of the legacy (un-encoded)
/// requests it lists, or any request built with the kernel's `_IOC` encoding (a direction
/// in bits 30-31, the argument size in bits 16-29).
pub fn ioctl_is_known(request: u64) -> bool {
    let req = request as u32;
    legacy_ioctl_out(req).is_some() || ioc_dir(req) != 0
}

/// The collected regions; NULL addresses, empty or oversized lengths and regions that wrap
/// around the address space are dropped.
#[derive(Default)]
struct Regions(Vec<(u64, usize)>);

impl Regions {
    fn push(&mut self, addr: u64, len: usize) {
        let wraps = u64::try_from(len)
            .ok()
            .and_then(|l| addr.checked_add(l))
            .is_none();
        if addr != 0 && len != 0 && len <= MAX_REGION && !wraps {
            self.0.push((addr, len));
        }
    }
}

fn arg(args: &[u64; 6], n: u8) -> u64 {
    args.get(usize::from(n)).copied().unwrap_or(0)
}

/// Bytes described by `len`; None when it cannot be computed (negative return value,
/// unreadable memory, overflow).
fn eval_len(
    len: Len,
    args: &[u64; 6],
    ret: i64,
    read_mem: &mut dyn FnMut(u64, usize) -> Option<Vec<u8>>,
) -> Option<usize> {
    let bytes: u64 = match len {
        Len::Ret => u64::try_from(ret).ok()?,
        Len::Fixed(n) => u64::from(n),
        Len::Arg(n) => arg(args, n),
        Len::RetTimes(k) => u64::try_from(ret).ok()?.checked_mul(u64::from(k))?,
        Len::ArgTimes(n, k) => arg(args, n).checked_mul(u64::from(k))?,
        Len::DerefU32(n) => u64::from(read_u32(arg(args, n), read_mem)?),
        Len::FdSet(n) => fd_set_bytes(arg(args, n))?,
    };
    usize::try_from(bytes).ok()
}

/// `(nfds + 63) / 64 * 8`: the bytes of an fd_set covering `nfds` descriptors.
fn fd_set_bytes(nfds: u64) -> Option<u64> {
    Some(nfds.checked_add(63)? / 64 * 8)
}

fn read_u32(addr: u64, read_mem: &mut dyn FnMut(u64, usize) -> Option<Vec<u8>>) -> Option<u32> {
    if addr == 0 {
        return None;
    }
    let bytes = read_mem(addr, 4)?;
    Some(u32::from_ne_bytes(bytes.get(..4)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(
        bytes.get(off..off + 4)?.try_into().ok()?,
    ))
}

fn u64_at(bytes: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_ne_bytes(
        bytes.get(off..off + 8)?.try_into().ok()?,
    ))
}

/// Assigns `total` bytes, in order, to the `cnt` iovecs at `iov`.
fn scatter(
    regions: &mut Regions,
    iov: u64,
    cnt: usize,
    total: u64,
    read_mem: &mut dyn FnMut(u64, usize) -> Option<Vec<u8>>,
) {
    if iov == 0 || cnt == 0 || total == 0 || cnt > UIO_MAXIOV {
        return;
    }
    let Some(vec) = read_mem(iov, cnt * IOVEC_SIZE) else {
        return;
    };
    let mut left = total;
    for entry in vec.chunks_exact(IOVEC_SIZE).take(cnt) {
        if left == 0 {
            break;
        }
        let (Some(base), Some(len)) = (u64_at(entry, 0), u64_at(entry, 8)) else {
            break;
        };
        let n = len.min(left);
        if let Ok(n_usize) = usize::try_from(n) {
            regions.push(base, n_usize);
        }
        left -= n;
    }
}

fn custom_regions(
    regions: &mut Regions,
    custom: Custom,
    args: &[u64; 6],
    ret: i64,
    read_mem: &mut dyn FnMut(u64, usize) -> Option<Vec<u8>>,
) {
    match custom {
        Custom::Ioctl => {
            if ret >= 0 {
                if let Some(n) = ioctl_out_size(args[1]) {
                    regions.push(args[2], n);
                }
            }
        }
        Custom::Fcntl => {
            if ret >= 0 {
                if let Some(n) = fcntl_out_size(args[1]) {
                    regions.push(args[2], n);
                }
            }
        }
        Custom::Prctl => {
            if ret >= 0 {
                prctl_regions(regions, args, ret);
            }
        }
        Custom::Futex => {
            const WAKE_OP: u64 = 5;
            const LOCK_PI: u64 = 6;
            const UNLOCK_PI: u64 = 7;
            const TRYLOCK_PI: u64 = 8;
            const WAIT_REQUEUE_PI: u64 = 11;
            const CMP_REQUEUE_PI: u64 = 12;
            const LOCK_PI2: u64 = 13;
            match args[1] & 0x7f {
                WAKE_OP if ret >= 0 => regions.push(args[4], 4),
                LOCK_PI | UNLOCK_PI | TRYLOCK_PI | LOCK_PI2 => regions.push(args[0], 4),
                WAIT_REQUEUE_PI | CMP_REQUEUE_PI => {
                    regions.push(args[0], 4);
                    regions.push(args[4], 4);
                }
                _ => {}
            }
        }
        Custom::Recvmsg => {
            if let Ok(total) = u64::try_from(ret) {
                msghdr_regions(regions, args[1], total, read_mem);
            }
        }
        Custom::Recvmmsg => {
            if let Ok(count) = usize::try_from(ret) {
                recvmmsg_regions(regions, args, count, read_mem);
            }
        }
        Custom::Sendmmsg => {
            if let Ok(count) = usize::try_from(ret) {
                regions.push(args[1], count.min(UIO_MAXIOV) * MMSGHDR_SIZE);
            }
        }
        Custom::Pselect6 => {
            if let Some(n) = fd_set_bytes(args[0]).and_then(|n| usize::try_from(n).ok()) {
                for &set in &args[1..4] {
                    regions.push(set, n);
                }
            }
            regions.push(args[4], TIMESPEC_SIZE);
        }
    }
}

// ---- ioctl ----

/// `_IOC_READ`: the kernel writes the argument back to user space.
const IOC_READ: u32 = 2;

fn ioc_dir(req: u32) -> u32 {
    req >> 30
}

fn ioc_size(req: u32) -> usize {
    ((req >> 16) & 0x3fff) as usize
}

/// Legacy (not `_IOC`-encoded) requests rtt knows: Some(bytes written at arg2), 0 for none.
fn legacy_ioctl_out(req: u32) -> Option<usize> {
    let size = match req {
        0x5401 => 36, // TCGETS: kernel struct termios
        0x5456 => 36, // TIOCGLCKTRMIOS
        0x5413 => 8,  // TIOCGWINSZ
        0x540F => 4,  // TIOCGPGRP
        0x5411 => 4,  // TIOCOUTQ
        0x5415 => 4,  // TIOCMGET
        0x5419 => 4,  // TIOCGSOFTCAR
        0x541B => 4,  // FIONREAD / TIOCINQ
        0x5424 => 4,  // TIOCGETD
        0x5429 => 4,  // TIOCGSID
        0x5460 => 8,  // FIOQSIZE: loff_t
        0x0002 => 4,  // FIGETBSZ
        0x1260 => 8,  // BLKGETSIZE: unsigned long
        0x1268 => 4,  // BLKSSZGET
        0x125E => 4,  // BLKROGET
        0x8905 => 4,  // SIOCATMARK
        0x8906 => 16, // SIOCGSTAMP: struct timeval
        0x8907 => 16, // SIOCGSTAMPNS: struct timespec
        // SIOCGIFNAME, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFDSTADDR, SIOCGIFBRDADDR,
        // SIOCGIFNETMASK, SIOCGIFMETRIC, SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFINDEX,
        // SIOCGIFTXQLEN: struct ifreq
        0x8910 | 0x8913 | 0x8915 | 0x8917 | 0x8919 | 0x891B | 0x891D | 0x8921 | 0x8927
        | 0x8933 | 0x8942 => 40,
        0x5402..=0x5404 // TCSETS, TCSETSW, TCSETSF
        | 0x5406..=0x5408 // TCSETA, TCSETAW, TCSETAF
        | 0x5409 // TCSBRK
        | 0x540A // TCXONC
        | 0x540B // TCFLSH
        | 0x540C // TIOCEXCL
        | 0x540D // TIOCNXCL
        | 0x540E // TIOCSCTTY
        | 0x5410 // TIOCSPGRP
        | 0x5412 // TIOCSTI
        | 0x5414 // TIOCSWINSZ
        | 0x5416..=0x5418 // TIOCMBIS, TIOCMBIC, TIOCMSET
        | 0x541A // TIOCSSOFTCAR
        | 0x541D // TIOCCONS
        | 0x5420 // TIOCPKT
        | 0x5421 // FIONBIO
        | 0x5422 // TIOCNOTTY
        | 0x5423 // TIOCSETD
        | 0x5425 // TCSBRKP
        | 0x5427 // TIOCSBRK
        | 0x5428 // TIOCCBRK
        | 0x5437 // TIOCVHANGUP
        | 0x5450 // FIONCLEX
        | 0x5451 // FIOCLEX
        | 0x5452 // FIOASYNC
        | 0x5457 // TIOCSLCKTRMIOS
        | 0x5441 // TIOCGPTPEER (returns a descriptor)
        | 0x1261 // BLKFLSBUF
        | 0x4004_5431 // TIOCSPTLCK (_IOW, listed for clarity)
        => 0,
        _ => return None,
    };
    Some(size)
}

/// Bytes ioctl `request` writes at its third argument, or None when unknown.
fn ioctl_out_size(request: u64) -> Option<usize> {
    // The kernel takes `unsigned int cmd`.
    let req = request as u32;
    if let Some(n) = legacy_ioctl_out(req) {
        return Some(n);
    }
    if !ioctl_is_known(request) {
        return None;
    }
    if ioc_dir(req) & IOC_READ != 0 {
        Some(ioc_size(req))
    } else {
        Some(0)
    }
}

// ---- fcntl ----

fn fcntl_out_size(cmd: u64) -> Option<usize> {
    match cmd as u32 {
        5 | 36 => Some(32),     // F_GETLK, F_OFD_GETLK: struct flock
        16 => Some(8),          // F_GETOWN_EX: struct f_owner_ex
        1035 | 1037 => Some(8), // F_GET_RW_HINT, F_GET_FILE_RW_HINT: u64
        _ => None,
    }
}

// ---- prctl ----

fn prctl_regions(regions: &mut Regions, args: &[u64; 6], ret: i64) {
    const PR_GET_PDEATHSIG: u64 = 2;
    const PR_GET_UNALIGN: u64 = 5;
    const PR_GET_FPEMU: u64 = 9;
    const PR_GET_FPEXC: u64 = 11;
    const PR_GET_NAME: u64 = 16;
    const PR_GET_ENDIAN: u64 = 19;
    const PR_GET_TSC: u64 = 25;
    const PR_GET_CHILD_SUBREAPER: u64 = 37;
    const PR_GET_TID_ADDRESS: u64 = 40;
    const PR_SCHED_CORE: u64 = 62;
    const PR_SCHED_CORE_GET: u64 = 0;
    const PR_GET_AUXV: u64 = 0x4155_5856;

    match args[0] as u32 as u64 {
        PR_GET_NAME => regions.push(args[1], 16),
        PR_GET_PDEATHSIG
        | PR_GET_UNALIGN
        | PR_GET_FPEMU
        | PR_GET_FPEXC
        | PR_GET_ENDIAN
        | PR_GET_TSC
        | PR_GET_CHILD_SUBREAPER => regions.push(args[1], 4),
        PR_GET_TID_ADDRESS => regions.push(args[1], 8),
        // The cookie (u64) goes to arg5.
        PR_SCHED_CORE if args[1] == PR_SCHED_CORE_GET => regions.push(args[4], 8),
        // Copies min(arg3, size of the saved auxv) bytes and returns that size.
        PR_GET_AUXV => {
            let n = u64::try_from(ret).unwrap_or(0).min(args[2]);
            if let Ok(n) = usize::try_from(n) {
                regions.push(args[1], n);
            }
        }
        _ => {}
    }
}

// ---- recvmsg / recvmmsg ----

/// The msghdr at `hdr` (read after the call), its name, `data` bytes scattered over its
/// iovecs and its control buffer.
fn msghdr_regions(
    regions: &mut Regions,
    hdr: u64,
    data: u64,
    read_mem: &mut dyn FnMut(u64, usize) -> Option<Vec<u8>>,
) {
    if hdr == 0 {
        return;
    }
    regions.push(hdr, MSGHDR_SIZE);
    let Some(bytes) = read_mem(hdr, MSGHDR_SIZE) else {
        return;
    };
    msghdr_contents(regions, &bytes, data, read_mem);
}

/// The buffers a msghdr (as read after the call, in `bytes`) points to.
fn msghdr_contents(
    regions: &mut Regions,
    bytes: &[u8],
    data: u64,
    read_mem: &mut dyn FnMut(u64, usize) -> Option<Vec<u8>>,
) {
    let (Some(name), Some(namelen), Some(iov), Some(iovlen), Some(control), Some(controllen)) = (
        u64_at(bytes, 0),
        u32_at(bytes, 8),
        u64_at(bytes, 16),
        u64_at(bytes, 24),
        u64_at(bytes, 32),
        u64_at(bytes, 40),
    ) else {
        return;
    };
    if let Ok(n) = usize::try_from(u64::from(namelen).min(SOCKADDR_MAX)) {
        regions.push(name, n);
    }
    let iovlen = usize::try_from(iovlen).unwrap_or(usize::MAX);
    scatter(regions, iov, iovlen, data, read_mem);
    if let Ok(n) = usize::try_from(controllen) {
        regions.push(control, n);
    }
}

fn recvmmsg_regions(
    regions: &mut Regions,
    args: &[u64; 6],
    count: usize,
    read_mem: &mut dyn FnMut(u64, usize) -> Option<Vec<u8>>,
) {
    let vec = args[1];
    let vlen = usize::try_from(args[2]).unwrap_or(usize::MAX);
    let count = count.min(vlen).min(UIO_MAXIOV);
    if vec != 0 && count > 0 {
        let size = count * MMSGHDR_SIZE;
        regions.push(vec, size);
        if let Some(entries) = read_mem(vec, size) {
            for entry in entries.chunks_exact(MMSGHDR_SIZE) {
                let Some(msg_len) = u32_at(entry, MSGHDR_SIZE) else {
                    break;
                };
                msghdr_contents(regions, &entry[..MSGHDR_SIZE], u64::from(msg_len), read_mem);
            }
        }
    }
    // The remaining timeout is written back.
    regions.push(args[4], TIMESPEC_SIZE);
}

#[cfg(test)]
mod tests;
