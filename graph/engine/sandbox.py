"""Confine the process that evaluates queries: no network, a memory cap.

The gate refuses SERVICE and LOAD before a query reaches the engine; this is the second wall, kept by
the operating system. :func:`confine` installs a seccomp filter that makes ``socket()`` fail with
EACCES for every address family (IPv4, IPv6, raw packets, netlink, and Unix sockets, through which
an unconfined process could be asked to act), so that nothing in the process (the engine's HTTP
client, a DNS lookup) can reach the network, while the pipes and sockets it was given before (the
way answers go back to the parent) keep working; ptrace and the calls that reach into another
process's memory fail too; and it caps the process's
data segment (heap and anonymous memory, ``RLIMIT_DATA``), so that a query that would exhaust the
machine ends its own process instead; and on Linux it gives up every capability but those of file
access, so that run by root it keeps none of root's powers over the machine. All of it lasts for
the life of the process and can never be lifted from inside it.

The filter needs Linux on x86-64 or AArch64; elsewhere :func:`network_sandbox` is False and the
gate is the only wall (the README's "Security model" says so).

>>> network_sandbox() in (True, False)
True
"""

from __future__ import annotations

import ctypes
import decimal
import os
import platform
import resource
import signal
import struct
import sys

#: The default memory cap of an evaluating process, in bytes.
DEFAULT_MEMORY = 2 * 1024**3
#: The largest cap the system can set (a process limit is a signed 64-bit number).
MAX_MEMORY = 2**63 - 1

#: Per architecture: the seccomp audit value, and the numbers of the socket and seccomp syscalls.
_ARCH = {
    "x86_64": (0xC000003E, 41, 317),
    "aarch64": (0xC00000B7, 198, 277),
}
#: Per architecture, the numbers of socketpair, ptrace, process_vm_readv, process_vm_writev,
#: kcmp, pidfd_open, pidfd_getfd (which copies another process's sockets), process_madvise, and
#: perf_event_open (which can sample another process's stack), bpf and userfaultfd, which an
#: evaluation never needs.
_REFUSED = {
    "x86_64": (53, 101, 310, 311, 312, 434, 438, 440, 298, 321, 323),
    "aarch64": (199, 117, 270, 271, 272, 434, 438, 440, 241, 280, 282),
}
#: Per architecture, the calls that change what every process of the machine sees, which a
#: process run by root could otherwise make (sec16 S1: a confined child mounted over /tmp): mount,
#: umount2, pivot_root, chroot, unshare, setns, swapon, swapoff, reboot, sethostname,
#: setdomainname, init_module, finit_module, delete_module, kexec_load, kexec_file_load,
#: open_by_handle_at; the machine's clock: settimeofday, adjtimex, clock_settime, clock_adjtime;
#: process accounting, the kernel's log and disk quotas (sec17 S2): acct, syslog, quotactl, and
#: x86-64's port I/O, iopl and ioperm. The new mount calls (open_tree, move_mount, fsopen,
#: fsconfig, fsmount, fspick, mount_setattr) and quotactl_fd are numbered alike on both.
_MACHINE_WIDE = {
    "x86_64": (165, 166, 155, 161, 272, 308, 167, 168, 169, 170, 171, 175, 313, 176, 246, 320, 304)
    + (164, 159, 227, 305)
    + (163, 103, 179, 172, 173),
    "aarch64": (40, 39, 41, 51, 97, 268, 224, 225, 142, 161, 162, 105, 273, 106, 104, 294, 265)
    + (170, 171, 112, 266)
    + (89, 116, 60),
}
_NEW_MOUNT_API = (428, 429, 430, 431, 432, 433, 442, 443)
_PR_CAPBSET_DROP = 24
_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
#: The highest capability number a kernel may know of, where /proc does not say.
_CAP_LAST = 63
#: CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: what lets root read and write a store that another
#: user owns, as it could before it was confined; every other capability is given up.
_FILE_ACCESS = (1, 2)
_EACCES = 13
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_PDEATHSIG = 1
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000
_LD_ABS_W, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
#: x86-64's x32 ABI numbers its system calls from here; no other ABI has numbers this high
_X32_SYSCALL_BIT = 0x40000000
#: Per architecture, the number of ioctl; its requests that type into a terminal (TIOCSTI) or
#: paste into a console (TIOCLINUX), which a shell reading that terminal would run unconfined.
_IOCTL = {"x86_64": 16, "aarch64": 29}
_TERMINAL_INPUT = (0x5412, 0x541C)
#: Where seccomp_data holds the low half of the second argument (ioctl's request), little-endian.
_ARG1_LOW = 24
#: io_uring_setup's number, the same on x86-64 and AArch64
_IO_URING_SETUP = 425

#: What :func:`confine` applied to this process: None, or (network allowed, memory cap).
_confinement: tuple[bool, int | None] | None = None


def network_sandbox() -> bool:
    """Whether this platform can take the network away from an evaluating process.

    >>> isinstance(network_sandbox(), bool)
    True
    """
    return sys.platform == "linux" and platform.machine() in _ARCH


def _filter(network: bool = False) -> bytes:
    """The BPF program: socket() and socketpair() of any family fail with EACCES (IPv4, IPv6, the
    raw link-layer and netlink sockets root could open, and Unix sockets, which would reach the
    unconfined processes that listen on them, such as the server's forkserver), and so do the ways
    round that rule: every system call made through another ABI (i386's ``int 0x80``, x32's
    numbers) and io_uring, whose requests open sockets without the socket call; so do ptrace, the
    calls that read or write another process's memory, and pidfd_getfd, which copies its
    sockets; the ioctl requests that type into a terminal (a command for the shell of the
    terminal the caller was started from); and the calls that change what every process of the
    machine sees (mounts, namespaces, modules, swap, reboot, its clock), which root could make.
    The answers go back through the pipes and sockets the process was given before it was
    confined; everything else runs. With ``network``, socket() and socketpair() run (a SERVICE
    or LOAD allowed on purpose needs them), and the rest is refused all the same."""
    machine = platform.machine()
    arch, socket_nr, _ = _ARCH[machine]
    sockets = {socket_nr, _REFUSED[machine][0]}  # socket, socketpair
    refused = tuple(
        nr
        for nr in (
            _IO_URING_SETUP,
            socket_nr,
            *_REFUSED[machine],
            *_MACHINE_WIDE[machine],
            *_NEW_MOUNT_API,
        )
        if not (network and nr in sockets)
    )
    n = len(refused)
    allow, deny = 8 + n, 9 + n  # the indexes of the two returns
    program = [
        (_LD_ABS_W, 0, 0, 4),  # seccomp_data.arch
        (_JEQ_K, 0, deny - 2, arch),  # another ABI: refused
        (_LD_ABS_W, 0, 0, 0),  # seccomp_data.nr
        (_JGE_K, deny - 4, 0, _X32_SYSCALL_BIT),  # x32's numbers: refused
        # each jump counts the instructions it skips
        *((_JEQ_K, deny - 5 - i, 0, nr) for i, nr in enumerate(refused)),
        (_JEQ_K, 0, allow - 5 - n, _IOCTL[machine]),
        (_LD_ABS_W, 0, 0, _ARG1_LOW),
        (_JEQ_K, deny - 7 - n, 0, _TERMINAL_INPUT[0]),
        (_JEQ_K, deny - 8 - n, allow - 8 - n, _TERMINAL_INPUT[1]),
        (_RET_K, 0, 0, _RET_ALLOW),
        (_RET_K, 0, 0, _RET_ERRNO | _EACCES),
    ]
    return b"".join(struct.pack("=HBBI", *op) for op in program)


def _install_filter(network: bool) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    code = _filter(network)
    buffer = ctypes.create_string_buffer(code, len(code))

    class _Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    program = _Program(len(code) // 8, ctypes.addressof(buffer))
    seccomp_nr = _ARCH[platform.machine()][2]
    # TSYNC: every thread of the process gets the filter, not only the calling one.
    if (
        libc.syscall(
            seccomp_nr,
            _SECCOMP_SET_MODE_FILTER,
            _SECCOMP_FILTER_FLAG_TSYNC,
            ctypes.byref(program),
        )
        != 0
    ):
        raise OSError(ctypes.get_errno(), "seccomp(SECCOMP_SET_MODE_FILTER) failed")


def _drop_capabilities() -> None:
    """Give up, for good, every capability of the calling thread but the two of file access
    (:data:`_FILE_ACCESS`): none other effective, permitted or inheritable, none ambient, and,
    where the thread may change it (root may), none other left in the bounding set, so that no
    program it could start gets one back. A process run by root then reads and writes the files
    it did (a store that belongs to another user included) but has none of root's powers over the
    machine (mounting, loading modules, opening raw sockets, giving a file to another user,
    setting the clock...), whatever system call the filter does not name."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)  # fails before Linux 4.3: none
    try:
        with open("/proc/sys/kernel/cap_last_cap") as last_cap:
            last = int(last_cap.read())
    except (OSError, ValueError):
        last = _CAP_LAST
    for number in range(last + 1):
        if number not in _FILE_ACCESS:
            # refused (EPERM) without CAP_SETPCAP: a thread that lacks it has none to keep anyway
            libc.prctl(_PR_CAPBSET_DROP, number, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    held = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable of bits 0-31; of 32-63
    if libc.capget(header, held) != 0:
        raise OSError(ctypes.get_errno(), "capget() failed")
    kept = sum(1 << number for number in _FILE_ACCESS)
    held[0] &= kept  # effective
    held[1] &= kept  # permitted
    for index in (2, 3, 4, 5):  # inheritable, and everything above bit 31
        held[index] = 0
    if libc.capset(header, held) != 0:
        raise OSError(ctypes.get_errno(), "capset() failed")


def confine(*, network: bool = False, memory: int | None = DEFAULT_MEMORY) -> None:
    """Confine the calling process for good (where :func:`network_sandbox` is True): without
    ``network`` no socket can be opened; with it or not, no other process traced and nothing
    changed that every process of the machine sees (:func:`_filter`), and on Linux no capability
    kept but those of file access, run by root or not (:func:`_drop_capabilities`); with
    ``memory`` (bytes) its
    data segment is capped, so that an allocation beyond it fails and the engine aborts the
    process.

    >>> import subprocess, sys
    >>> code = ("import socket; from atmpkg.graph.engine.sandbox import confine; confine(memory=None); "
    ...         "socket.socket()")
    >>> run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    >>> "PermissionError" in run.stderr or not network_sandbox()
    True
    """
    if memory is not None:
        if memory <= 0:
            raise ValueError("the memory cap must be a positive number of bytes")
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        cap = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
    if sys.platform == "linux":
        # capabilities belong to each thread: dropped before the engine starts any, which inherit it
        _drop_capabilities()
    if network_sandbox():
        _install_filter(network)
    global _confinement
    _confinement = (network, memory)


def confinement() -> tuple[bool, int | None] | None:
    """What :func:`confine` applied to this process, as ``(network, memory)``; None when it is not
    confined (queries from it are then evaluated in a confined child process).

    >>> confinement() is None
    True
    """
    return _confinement


def die_with_parent(parent: int) -> None:
    """End this process when its parent ends (Linux), so that a query whose caller was killed does
    not run on unwatched; ``parent`` is the pid the caller had, in case it ended already.

    >>> import subprocess, sys
    >>> code = "from atmpkg.graph.engine.sandbox import die_with_parent; die_with_parent(1); print(1)"
    >>> subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).returncode
    1
    """
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def parse_memory(text: str) -> int:
    """Read a memory size such as ``2G``, ``512M`` or ``1500000000`` (bytes).

    >>> parse_memory("2G"), parse_memory("512m"), parse_memory("4096")
    (2147483648, 536870912, 4096)
    """
    units = {"k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
    value = text.strip().lower().removesuffix("b").removesuffix("i")
    scale = units.get(value[-1:], 1)
    number = value[:-1] if value[-1:] in units else value
    try:
        amount = decimal.Decimal(number)
    except decimal.InvalidOperation:
        amount = decimal.Decimal("NaN")
    if not amount.is_finite():
        raise ValueError(
            f"cannot read {text!r} as a memory size; write it as bytes or with K, M, G (e.g. 2G)"
        )
    # past 10**30 no cap is near, and the product could be too large to work out (1e999999999)
    size = int(amount * scale) if amount.adjusted() <= 30 else MAX_MEMORY + 1
    if size <= 0:
        raise ValueError(f"the memory cap must be at least one byte, got {text!r}")
    if size > MAX_MEMORY:
        raise ValueError(
            f"{text!r} is more memory than the system can cap ({MAX_MEMORY:,} bytes at most)"
        )
    return size


#: What an evaluating process writes when its memory cap stops it: Rust's and Python's
#: allocation failures, the C++ storage engine's, a thread whose stack could not be mapped, and
#: the engine's library that could not be loaded (a cap too small to start with).
OUT_OF_MEMORY = (
    "memory allocation of",
    "MemoryError",
    "std::bad_alloc",
    "Resource temporarily unavailable",
    "failed to map segment from shared object",
    "Anonymous mmap for RocksDB",  # RocksDB's block cache, when the cap leaves it no room
)


#: What the engine's sort writes as it aborts (pyoxigraph 0.5) when an ORDER BY compares values
#: its ordering does not rank consistently
UNORDERED = "does not correctly implement a total order"


def describe_death(
    returncode: int, stderr: str, memory: int | None, held: bool = False, started: bool = True
) -> Exception:
    """The error for an evaluating process that ended without an answer, from its exit status and
    the last lines it wrote: the memory cap (which, with ``held``, also held the process's copy of
    the store; unless ``started``, left no room to load the engine and open the store), the
    engine's stack, or a crash.

    >>> type(describe_death(-6, "memory allocation of 448 bytes failed", 2 * 1024**3)).__name__
    'QueryMemoryError'
    >>> str(describe_death(-6, "what():  std::bad_alloc", 50 * 1024**2)).split(";")[0]
    'query stopped at the 50 MiB memory cap'
    >>> str(describe_death(-6, "comparison function " + UNORDERED, None)).split(":")[0]
    'the query engine stopped sorting this answer'
    """
    from ..errors import QueryMemoryError, QueryTooComplexError, StoreError

    if memory is not None and any(sign in stderr for sign in OUT_OF_MEMORY):
        return QueryMemoryError(memory, held, starting=not started)
    if "overflowed its stack" in stderr or returncode == -11:
        return QueryTooComplexError(
            "the query engine ran out of stack evaluating this query (it nests too deeply or is "
            "too long); split it into smaller queries"
        )
    if UNORDERED in stderr:
        return StoreError(
            "the query engine stopped sorting this answer: its ORDER BY compares values that "
            "SPARQL leaves unordered against each other (literals of types that do not compare, "
            "such as dates with text or numbers, mixed with IRIs), and this version of the engine "
            "fails on them; order by STR() of the expression, or keep one kind of value in it"
        )
    signal_name = f"signal {-returncode}" if returncode < 0 else f"exit status {returncode}"
    return StoreError(f"the query process ended without an answer ({signal_name})")
