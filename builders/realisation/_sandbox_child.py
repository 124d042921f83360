"""Sets up a build's namespaces and chroot, then executes the builder.  Runs as a standalone script.

Started as ``python -I -S _sandbox_child.py CONFIG STATUS_FD`` by ``sandbox.py``
(standard library only, so it starts fast and needs no import path).  Steps:

1. die with the parent (``PR_SET_PDEATHSIG``), so a ``kill -9`` of pydock takes
   the whole build down;
2. ``unshare`` user, mount, PID, UTS, IPC (and, unless the derivation is
   fixed-output, network) namespaces, mapping the caller to uid 1000 / gid 100
   as Nix's sandbox does (as root without user namespaces: no mapping);
3. fork: the child is PID 1 of the new PID namespace, so when it (the builder)
   exits, or is killed because its parent died, every process of the build dies;
4. in the child: build a root on a fresh tmpfs with the host's top-level
   directories bind-mounted read-only (the documented impurity: host ``/bin/sh``,
   ``/usr`` … are visible), the logical store directory backed by the build's
   scratch directory (where outputs are created) with only the input closure
   bind-mounted into it, the build directory at ``/build``, a private ``/tmp``
   and a fresh ``/proc``; ``chroot`` into it and ``execve`` the builder.

Setup failures are reported on STATUS_FD (prefixed with ``\\x01``) so they are
not mistaken for a failing builder; the descriptor is close-on-exec, so
end-of-file there means the builder was started.
"""

import ctypes
import fcntl
import json
import os
import resource
import signal
import socket
import stat
import struct
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_RELATIME = 1 << 21

ST_RELATIME = 4096
PR_SET_PDEATHSIG = 1
SIOCSIFFLAGS = 0x8914
IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x1, 0x8, 0x40

SANDBOX_UID = 1000
SANDBOX_GID = 100

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]


class SetupError(Exception):
    pass


def _check(res, what):
    if res != 0:
        err = ctypes.get_errno()
        raise SetupError(f"{what}: {os.strerror(err)}")


def _b(s):
    return None if s is None else os.fsencode(s)


def mount(source, target, fstype, flags, data=None):
    _check(libc.mount(_b(source), _b(target), _b(fstype), flags, _b(data)), f"mounting '{target}'")


def remount_readonly(target):
    """Best effort: keep the flags a less privileged namespace may not drop, add read-only."""
    try:
        f = os.statvfs(target).f_flag
    except OSError:
        return
    keep = f & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME)
    if f & ST_RELATIME:
        keep |= MS_RELATIME
    libc.mount(None, _b(target), None, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, None)


def replicate(src, dst, readonly, recursive=True):
    """Make ``src`` appear at ``dst``: symlinks are copied, directories and files bind-mounted."""
    try:
        st = os.lstat(src)
    except OSError:
        return
    if stat.S_ISLNK(st.st_mode):
        os.symlink(os.readlink(src), dst)
        return
    if stat.S_ISDIR(st.st_mode):
        os.mkdir(dst)
    elif stat.S_ISREG(st.st_mode):
        os.close(os.open(dst, os.O_WRONLY | os.O_CREAT, 0o444))
    else:
        return
    flags = MS_BIND | (MS_REC if recursive else 0)
    if libc.mount(_b(src), _b(dst), None, flags, None) != 0:
        return  # an unbindable host mount is simply left out
    if readonly:
        remount_readonly(dst)


def write_file(path, text):
    with open(path, "w") as f:
        f.write(text)


def setup_user_namespace(uid, gid):
    try:
        write_file("/proc/self/setgroups", "deny")
    except FileNotFoundError:
        pass
    write_file("/proc/self/uid_map", f"{SANDBOX_UID} {uid} 1")
    write_file("/proc/self/gid_map", f"{SANDBOX_GID} {gid} 1")


def build_root(cfg):
    root = cfg["chroot_dir"]
    store_dir = cfg["store_dir"]
    comps = [c for c in store_dir.split("/") if c]
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755")
    special = {"proc", "tmp", "build", comps[0]}
    for name in sorted(os.listdir("/")):
        if name not in special:
            replicate("/" + name, f"{root}/{name}", readonly=name != "dev")
    # The store directory, with the host's siblings of each of its ancestors.
    host, new = "/", root
    for i, c in enumerate(comps):
        if i > 0 and host is not None:
            for name in sorted(os.listdir(host)):
                if name != c:
                    replicate(os.path.join(host, name), f"{new}/{name}", readonly=True)
        nxt = os.path.join(host, c) if host is not None else None
        host = nxt if nxt is not None and os.path.isdir(nxt) and not os.path.islink(nxt) else None
        new = f"{new}/{c}"
        os.mkdir(new, 0o755)
    mount(cfg["outputs_dir"], new, None, MS_BIND)
    for logical, real in cfg["inputs"]:
        target = root + logical
        st = os.lstat(real)
        if stat.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(real), target)
            continue
        if stat.S_ISDIR(st.st_mode):
            os.mkdir(target)
        else:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o444))
        mount(real, target, None, MS_BIND | MS_REC)
        remount_readonly(target)
    os.mkdir(f"{root}/build")
    mount(cfg["build_dir"], f"{root}/build", None, MS_BIND)
    os.mkdir(f"{root}/tmp")
    os.chmod(f"{root}/tmp", 0o1777)
    os.mkdir(f"{root}/proc")
    if libc.mount(b"proc", _b(f"{root}/proc"), b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None) != 0:
        replicate("/proc", f"{root}/proc.tmp", readonly=False)
        os.rmdir(f"{root}/proc")
        os.rename(f"{root}/proc.tmp", f"{root}/proc")
    return root


def loopback_up():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        ifr = struct.pack("16sH", b"lo", IFF_UP | IFF_LOOPBACK | IFF_RUNNING).ljust(40, b"\0")
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, ifr)
    finally:
        s.close()


def report(status_fd, msg):
    try:
        os.write(status_fd, b"\x01" + msg.encode("utf-8", "replace"))
    except OSError:
        pass


def run_builder(cfg, status_fd, can_set_names):
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    try:
        root = build_root(cfg)
        if can_set_names:
            _check(libc.sethostname(b"localhost", 9), "setting the host name")
            _check(libc.setdomainname(b"(none)", 6), "setting the domain name")
        if not cfg["network"]:
            loopback_up()
        os.chroot(root)
        os.chdir("/build")
    except Exception as e:  # noqa: BLE001 - every setup failure is reported, not raised
        report(status_fd, f"setting up the build sandbox failed: {e}")
        os._exit(1)
    os.umask(0o022)
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    builder = cfg["builder"]
    try:
        os.execve(builder, [os.path.basename(builder), *cfg["args"]], cfg["env"])
    except OSError as e:
        os.write(2, f"error: executing '{builder}': {e.strerror}\n".encode())
        os._exit(1)


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    status_fd = int(sys.argv[2])
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != cfg["parent_pid"]:
        os._exit(1)
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC
    if not cfg["network"]:
        flags |= CLONE_NEWNET
    if libc.unshare(flags | CLONE_NEWUSER) == 0:
        try:
            setup_user_namespace(uid, gid)
        except OSError as e:
            report(status_fd, f"setting up the build's user namespace failed: {e}")
            os._exit(1)
    else:
        err = ctypes.get_errno()
        if os.geteuid() != 0 or libc.unshare(flags) != 0:
            report(
                status_fd,
                f"cannot create the namespaces for the build sandbox ({os.strerror(err)}); pydock runs builders "
                "in a private mount namespace so that store paths resolve, which needs unprivileged user "
                "namespaces (e.g. sysctl kernel.unprivileged_userns_clone=1 or user.max_user_namespaces > 0) "
                "or root",
            )
            os._exit(1)
    pid = os.fork()
    if pid == 0:
        run_builder(cfg, status_fd, True)
    os.close(status_fd)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    if os.WIFEXITED(status):
        os._exit(os.WEXITSTATUS(status))
    sig = os.WTERMSIG(status)
    if sig not in (signal.SIGKILL, signal.SIGSTOP):
        signal.signal(sig, signal.SIG_DFL)
    os.kill(os.getpid(), sig)
    os._exit(128 + sig)


if __name__ == "__main__":
    main()
