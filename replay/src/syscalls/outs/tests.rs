//! Unit tests of the out-parameter regions.

use super::super::{Len, Out, Policy, SyscallDef};
use super::*;
use std::collections::HashMap;

/// A sparse fake address space: (start, bytes) blocks.
#[derive(Default)]
struct Mem(HashMap<u64, Vec<u8>>);

impl Mem {
    fn put(&mut self, addr: u64, bytes: Vec<u8>) {
        self.0.insert(addr, bytes);
    }
    fn read(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        self.0.iter().find_map(|(&start, bytes)| {
            let off = usize::try_from(addr.checked_sub(start)?).ok()?;
            bytes.get(off..off.checked_add(len)?).map(<[u8]>::to_vec)
        })
    }
}

fn regions(def: &SyscallDef, args: [u64; 6], ret: i64, mem: &Mem) -> Vec<(u64, usize)> {
    output_regions(def, &args, ret, &mut |a, l| mem.read(a, l))
}

fn def(name: &str) -> &'static SyscallDef {
    super::super::table::TABLE
        .iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

fn iovecs(list: &[(u64, u64)]) -> Vec<u8> {
    list.iter()
        .flat_map(|&(b, l)| b.to_ne_bytes().into_iter().chain(l.to_ne_bytes()))
        .collect()
}

fn msghdr(
    name: u64,
    namelen: u32,
    iov: u64,
    iovlen: u64,
    control: u64,
    controllen: u64,
) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend(name.to_ne_bytes());
    v.extend(namelen.to_ne_bytes());
    v.extend([0; 4]);
    v.extend(iov.to_ne_bytes());
    v.extend(iovlen.to_ne_bytes());
    v.extend(control.to_ne_bytes());
    v.extend(controllen.to_ne_bytes());
    v.extend(0i32.to_ne_bytes()); // msg_flags
    v.extend([0; 4]);
    assert_eq!(v.len(), MSGHDR_SIZE);
    v
}

fn no_mem() -> Mem {
    Mem::default()
}

#[test]
fn read_returns_ret_bytes() {
    let r = regions(def("read"), [3, 0x1000, 4096, 0, 0, 0], 100, &no_mem());
    assert_eq!(r, vec![(0x1000, 100)]);
    // EOF: nothing written.
    assert!(regions(def("read"), [3, 0x1000, 4096, 0, 0, 0], 0, &no_mem()).is_empty());
}

#[test]
fn failed_call_writes_nothing() {
    let r = regions(
        def("read"),
        [3, 0x1000, 4096, 0, 0, 0],
        -(libc::EAGAIN as i64),
        &no_mem(),
    );
    assert!(r.is_empty());
    let r = regions(
        def("fstat"),
        [3, 0x2000, 0, 0, 0, 0],
        -(libc::EBADF as i64),
        &no_mem(),
    );
    assert!(r.is_empty());
    let r = regions(def("fstat"), [3, 0x2000, 0, 0, 0, 0], 0, &no_mem());
    assert_eq!(r, vec![(0x2000, 144)]);
}

#[test]
fn null_pointers_are_skipped() {
    // gettimeofday(&tv, NULL)
    let r = regions(def("gettimeofday"), [0x3000, 0, 0, 0, 0, 0], 0, &no_mem());
    assert_eq!(r, vec![(0x3000, 16)]);
    // wait4(pid, NULL, 0, NULL)
    assert!(regions(def("wait4"), [5, 0, 0, 0, 0, 0], 5, &no_mem()).is_empty());
    // accept(fd, NULL, NULL): the socklen_t cannot be read.
    assert!(regions(def("accept"), [3, 0, 0, 0, 0, 0], 4, &no_mem()).is_empty());
}

#[test]
fn nanosleep_remaining_time_on_eintr() {
    let eintr = -(libc::EINTR as i64);
    let r = regions(
        def("nanosleep"),
        [0x4000, 0x4010, 0, 0, 0, 0],
        eintr,
        &no_mem(),
    );
    assert_eq!(r, vec![(0x4010, 16)]);
    let r = regions(
        def("clock_nanosleep"),
        [1, 0, 0x4000, 0x4010, 0, 0],
        eintr,
        &no_mem(),
    );
    assert_eq!(r, vec![(0x4010, 16)]);
    assert!(regions(def("nanosleep"), [0x4000, 0, 0, 0, 0, 0], eintr, &no_mem()).is_empty());
}

#[test]
fn readv_scatters_over_iovecs() {
    let mut mem = Mem::default();
    mem.put(
        0x5000,
        iovecs(&[(0x6000, 10), (0x7000, 0), (0x8000, 20), (0x9000, 30)]),
    );
    let r = regions(def("readv"), [3, 0x5000, 4, 0, 0, 0], 25, &mem);
    assert_eq!(r, vec![(0x6000, 10), (0x8000, 15)]);
    // Everything filled.
    let r = regions(def("preadv2"), [3, 0x5000, 4, 0, 0, 0], 60, &mem);
    assert_eq!(r, vec![(0x6000, 10), (0x8000, 20), (0x9000, 30)]);
    // Unreadable iovec array: no regions, no panic.
    assert!(regions(def("readv"), [3, 0x5008, 4, 0, 0, 0], 25, &mem).is_empty());
    // Absurd count.
    assert!(regions(def("readv"), [3, 0x5000, u64::MAX, 0, 0, 0], 25, &mem).is_empty());
}

#[test]
fn recvmsg_regions() {
    let mut mem = Mem::default();
    let hdr = 0x1_0000;
    mem.put(hdr, msghdr(0x2_0000, 16, 0x3_0000, 2, 0x4_0000, 24));
    mem.put(0x3_0000, iovecs(&[(0x5_0000, 8), (0x6_0000, 100)]));
    let r = regions(def("recvmsg"), [3, hdr, 0, 0, 0, 0], 50, &mem);
    assert_eq!(
        r,
        vec![
            (hdr, 56),
            (0x2_0000, 16),
            (0x5_0000, 8),
            (0x6_0000, 42),
            (0x4_0000, 24)
        ]
    );
    // No name, no control buffer.
    mem.put(hdr, msghdr(0, 0, 0x3_0000, 2, 0, 0));
    let r = regions(def("recvmsg"), [3, hdr, 0, 0, 0, 0], 4, &mem);
    assert_eq!(r, vec![(hdr, 56), (0x5_0000, 4)]);
    // Unreadable msghdr: only the header itself.
    let r = regions(def("recvmsg"), [3, 0x9_0000, 0, 0, 0, 0], 4, &mem);
    assert_eq!(r, vec![(0x9_0000, 56)]);
    // Failure.
    assert!(regions(def("recvmsg"), [3, hdr, 0, 0, 0, 0], -11, &mem).is_empty());
}

#[test]
fn recvmmsg_and_sendmmsg() {
    let mut mem = Mem::default();
    let vec = 0x1_0000;
    let mut entries = Vec::new();
    for (i, len) in [(0u64, 5u32), (1, 7), (2, 9)] {
        entries.extend(msghdr(0, 0, 0x2_0000 + i * 0x100, 1, 0, 0));
        entries.extend(len.to_ne_bytes());
        entries.extend([0; 4]);
    }
    mem.put(vec, entries);
    for i in 0..3u64 {
        mem.put(0x2_0000 + i * 0x100, iovecs(&[(0x3_0000 + i * 0x1000, 64)]));
    }
    let r = regions(def("recvmmsg"), [3, vec, 3, 0, 0x7000, 0], 2, &mem);
    assert_eq!(
        r,
        vec![(vec, 128), (0x3_0000, 5), (0x3_1000, 7), (0x7000, 16)]
    );
    let r = regions(def("sendmmsg"), [3, vec, 3, 0, 0, 0], 3, &mem);
    assert_eq!(r, vec![(vec, 192)]);
}

#[test]
fn ioctl_sizes() {
    let ioctl = def("ioctl");
    let at = |req: u64| regions(ioctl, [0, req, 0x8000, 0, 0, 0], 0, &no_mem());
    assert_eq!(at(0x5401), vec![(0x8000, 36)]); // TCGETS
    assert_eq!(at(0x5413), vec![(0x8000, 8)]); // TIOCGWINSZ
    assert_eq!(at(0x541B), vec![(0x8000, 4)]); // FIONREAD
    assert_eq!(at(0x8004_5430), vec![(0x8000, 4)]); // TIOCGPTN = _IOR('T', 0x30, u32)
    assert_eq!(at(0xC020_660B), vec![(0x8000, 32)]); // _IOWR('f', 11, 32 bytes)
    assert!(at(0x5402).is_empty()); // TCSETS
    assert!(at(0x4004_5431).is_empty()); // TIOCSPTLCK = _IOW
    assert!(at(0x5421).is_empty()); // FIONBIO
    assert!(at(0x1234).is_empty()); // unknown
                                    // Upper bits of the register are ignored, like the kernel's unsigned int cmd.
    assert_eq!(at(0xFFFF_FFFF_0000_5401), vec![(0x8000, 36)]);
    // Failed TCGETS (not a tty).
    assert!(regions(ioctl, [0, 0x5401, 0x8000, 0, 0, 0], -25, &no_mem()).is_empty());

    assert!(ioctl_is_known(0x5401));
    assert!(ioctl_is_known(0x5421));
    assert!(ioctl_is_known(0x8004_5430));
    assert!(ioctl_is_known(0x4004_5431));
    assert!(!ioctl_is_known(0x8912)); // SIOCGIFCONF: legacy, nested pointer, not listed
    assert_eq!(at(0x8933), vec![(0x8000, 40)]); // SIOCGIFINDEX
    assert!(!ioctl_is_known(0x1234));
}

#[test]
fn fcntl_and_prctl() {
    let fcntl = def("fcntl");
    assert_eq!(
        regions(fcntl, [3, 5, 0x100, 0, 0, 0], 0, &no_mem()),
        vec![(0x100, 32)]
    );
    assert_eq!(
        regions(fcntl, [3, 36, 0x100, 0, 0, 0], 0, &no_mem()),
        vec![(0x100, 32)]
    );
    assert_eq!(
        regions(fcntl, [3, 16, 0x100, 0, 0, 0], 0, &no_mem()),
        vec![(0x100, 8)]
    );
    // F_SETFL: the argument is a value, not a pointer.
    assert!(regions(fcntl, [3, 4, 0x800, 0, 0, 0], 0, &no_mem()).is_empty());
    assert!(regions(fcntl, [3, 1, 0, 0, 0, 0], 1, &no_mem()).is_empty());

    let prctl = def("prctl");
    assert_eq!(
        regions(prctl, [16, 0x200, 0, 0, 0, 0], 0, &no_mem()),
        vec![(0x200, 16)]
    );
    assert_eq!(
        regions(prctl, [2, 0x200, 0, 0, 0, 0], 0, &no_mem()),
        vec![(0x200, 4)]
    );
    assert_eq!(
        regions(prctl, [40, 0x200, 0, 0, 0, 0], 0, &no_mem()),
        vec![(0x200, 8)]
    );
    assert!(regions(prctl, [15, 0x200, 0, 0, 0, 0], 0, &no_mem()).is_empty());
    // PR_SET_NAME
}

#[test]
fn select_and_pselect6() {
    let args = [65, 0x100, 0, 0x300, 0x400, 0];
    let r = regions(def("select"), args, 1, &no_mem());
    assert_eq!(r, vec![(0x100, 16), (0x300, 16), (0x400, 16)]);
    // The timeout is written back on EINTR too.
    let r = regions(def("select"), [1, 0x100, 0, 0, 0x400, 0], -4, &no_mem());
    assert_eq!(r, vec![(0x100, 8), (0x400, 16)]);
    let r = regions(
        def("pselect6"),
        [3, 0x100, 0x200, 0, 0x400, 0x500],
        2,
        &no_mem(),
    );
    assert_eq!(r, vec![(0x100, 8), (0x200, 8), (0x400, 16)]);
}

#[test]
fn socket_address_lengths() {
    let mut mem = Mem::default();
    mem.put(0x500, 16u32.to_ne_bytes().to_vec());
    let r = regions(def("accept4"), [3, 0x400, 0x500, 0, 0, 0], 7, &mem);
    assert_eq!(r, vec![(0x400, 16), (0x500, 4)]);
    let r = regions(def("getsockopt"), [3, 1, 4, 0x400, 0x500, 0], 0, &mem);
    assert_eq!(r, vec![(0x400, 16), (0x500, 4)]);
    let r = regions(def("recvfrom"), [3, 0x1000, 64, 0, 0x400, 0x500], 20, &mem);
    assert_eq!(r, vec![(0x1000, 20), (0x400, 16), (0x500, 4)]);
}

#[test]
fn other_lengths() {
    let d = |outs: &'static [Out]| SyscallDef {
        nr: 0,
        name: "test",
        nargs: 6,
        policy: Policy::Emulate,
        outs,
        outs_on_error: false,
    };
    let args = [0x100, 3, 0x300, 0, 0, 0];
    let r = regions(
        &d(&[Out::Buf {
            ptr: 0,
            len: Len::ArgTimes(1, 8),
        }]),
        args,
        0,
        &no_mem(),
    );
    assert_eq!(r, vec![(0x100, 24)]);
    let r = regions(
        &d(&[Out::Buf {
            ptr: 2,
            len: Len::RetTimes(12),
        }]),
        args,
        2,
        &no_mem(),
    );
    assert_eq!(r, vec![(0x300, 24)]);
    let r = regions(
        &d(&[Out::Buf {
            ptr: 0,
            len: Len::Arg(1),
        }]),
        args,
        0,
        &no_mem(),
    );
    assert_eq!(r, vec![(0x100, 3)]);
    let overflow = [0x100, u64::MAX, 0, 0, 0, 0];
    assert!(regions(
        &d(&[Out::Buf {
            ptr: 0,
            len: Len::ArgTimes(1, 8)
        }]),
        overflow,
        0,
        &no_mem()
    )
    .is_empty());
    assert!(regions(
        &d(&[Out::Buf {
            ptr: 0,
            len: Len::FdSet(1)
        }]),
        overflow,
        0,
        &no_mem()
    )
    .is_empty());
}

#[test]
fn absurd_lengths_are_dropped() {
    // poll failing with EINVAL because of a garbage nfds.
    let r = regions(def("poll"), [0x100, 1 << 40, 0, 0, 0, 0], -22, &no_mem());
    assert!(r.is_empty());
    // A socklen_t that says 4 GiB.
    let mut mem = Mem::default();
    mem.put(0x500, u32::MAX.to_ne_bytes().to_vec());
    let r = regions(def("getsockopt"), [3, 1, 4, 0x400, 0x500, 0], 0, &mem);
    assert_eq!(r, vec![(0x500, 4)]);
    // A region wrapping around the address space.
    let r = regions(def("fstat"), [3, u64::MAX - 8, 0, 0, 0, 0], 0, &mem);
    assert!(r.is_empty());
}

#[test]
fn poll_and_epoll() {
    let r = regions(def("poll"), [0x100, 3, 1000, 0, 0, 0], 1, &no_mem());
    assert_eq!(r, vec![(0x100, 24)]);
    let r = regions(def("poll"), [0x100, 3, 1000, 0, 0, 0], -4, &no_mem());
    assert_eq!(r, vec![(0x100, 24)]);
    let r = regions(def("epoll_wait"), [3, 0x100, 16, 0, 0, 0], 2, &no_mem());
    assert_eq!(r, vec![(0x100, 24)]);
    assert!(regions(def("epoll_wait"), [3, 0x100, 16, 0, 0, 0], 0, &no_mem()).is_empty());
}
