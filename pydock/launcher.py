"""The ``pydock`` program's entry point: hand ``eval``/``instantiate`` to a warm server, else run in-process.

Most of a short ``pydock eval``'s time is Python start-up (importing click, the evaluator,
the store and building the parser), not evaluation.  A per-user server (``pydock/server.py``)
keeps all of that imported and forks one child per request; this module is the client side
and must stay cheap: it runs before click or any evaluator module is imported and uses only
modules Python has loaded during start-up anyway plus a few C modules (``_socket``,
``marshal``, ``zlib``, ``resource``).

The hand-over is invisible: the child gets this process' stdin/stdout/stderr (the file
descriptors themselves, through ``SCM_RIGHTS``, and any other descriptor it holds, at the
same number), argv, environment, working directory (as a descriptor), umask, resource
limits, niceness, CPU affinity, signal mask and ignored signals; it refuses (and this
process then runs the command itself) when it cannot match them or when the two processes
differ in credentials, namespaces, root directory, cgroup or capabilities.  The exit
status, or death by a signal, comes back and this process ends the same way;
SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 are forwarded, Ctrl-Z stops both.

Any failure before the child has taken over falls back to running in-process, silently:
no server yet (one is started in the background for the next run), a socket directory that
is missing, unwritable or not private, a server of another pydock version (the socket name
carries a key of the code and the interpreter), a refused connection or a protocol error.
``PYDOCK_SERVER=0`` turns the server off entirely.
"""

from __future__ import annotations

import os
import sys

__all__ = [
    "main", "ROUTED_COMMANDS", "socket_dir", "server_names", "process_context", "PROTOCOL", "frame", "send_with_fds",
]

#: Commands that go through the server.  ``build``, ``push`` and the store commands stay
#: in-process: they use namespaces, long-held locks and terminal progress, where a process
#: outside the caller's session would be visible.
ROUTED_COMMANDS = frozenset({"eval", "instantiate"})

#: Bumped when the request or reply format changes (it is part of the socket name).
PROTOCOL = 1

#: Descriptors besides stdin/stdout/stderr a request can carry (the kernel allows 253 per message).
MAX_EXTRA_FDS = 200

#: What ``bin/pydock`` passes as ``PYDOCK_HINT`` when the server refused its quick start's request.
REFUSED_HINT = "-"

#: Signals the client passes on to the child while it waits (Ctrl-Z is handled apart).
FORWARDED_SIGNALS = (1, 2, 3, 10, 12, 15)  # HUP INT QUIT USR1 USR2 TERM

_SIGTSTP, _SIGCONT, _SIGSTOP = 20, 18, 19


def main() -> int | None:
    """What the ``pydock-python`` console script runs (directly, or from the ``pydock`` script)."""
    prog, hint = _from_start_script()
    if prog:
        sys.argv[0] = prog
    argv = sys.argv
    refused = hint == REFUSED_HINT  # the quick start's request was refused: the server is not asked again
    if len(argv) > 1 and argv[1] in ROUTED_COMMANDS and os.environ.get("PYDOCK_SERVER", "1") != "0" and not refused:
        _via_server(sys.path[1:], repr(sys.flags), start=True, hint=hint)  # returns if it should run here
    from pydock.cli import main as cli_main

    return cli_main()


def _from_start_script() -> tuple[str, str]:
    """The name ``bin/pydock`` was called by and its hint file, taken out of the environment.

    The script passes them as ``PYDOCK_PROG`` and ``PYDOCK_HINT``; they are removed before
    anything reads the environment, so the command (and Nix code reading it) never sees them.
    """
    found = []
    for name in ("PYDOCK_PROG", "PYDOCK_HINT"):
        value = os.environ.pop(name, "")
        os.environb.pop(name.encode(), None)  # a separate copy, which the request sends
        found.append(value)
    return found[0], found[1]


# ---------------------------------------------------------------------------------- naming


def socket_dir(create: bool = False) -> str | None:
    """The per-user directory of server sockets, or None when there is no safe one.

    ``$XDG_RUNTIME_DIR/pydock`` when that variable names an absolute path, else
    ``/tmp/pydock-UID``.  It must be a real directory owned by this user with no access for
    anyone else; a directory that fails the check is never used (nor repaired).
    """
    uid = os.getuid()
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    path = os.path.join(runtime, "pydock") if runtime.startswith("/") else f"/tmp/pydock-{uid}"
    if create:
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return None
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if (st.st_mode & 0o170000) != 0o040000 or st.st_uid != uid or st.st_mode & 0o077:
        return None
    return path


def _package_dirs() -> list[str]:
    """The folders of pydock's Python code (an editable install keeps them beside ``pydock/``)."""
    here = os.path.dirname(os.path.abspath(__file__))
    dirs = [here]
    for name in ("evaluator", "store", "builders", "grammar"):
        inside = os.path.join(here, name)
        dirs.append(inside if os.path.isdir(inside) else os.path.join(os.path.dirname(here), name))
    return dirs


def _code_stamp(parts: list[str]) -> None:
    """Size and mtime of every ``.py``/``.lark`` file of pydock (an edit changes the key)."""
    stack = _package_dirs()
    while stack:
        d = stack.pop()
        try:
            entries = os.scandir(d)
        except OSError:
            parts.append(f"{d}:missing")
            continue
        with entries:
            for e in entries:
                name = e.name
                if name.endswith((".py", ".lark")):
                    try:
                        st = e.stat()
                    except OSError:
                        continue
                    parts.append(f"{e.path}:{st.st_size}:{st.st_mtime_ns}")
                elif name != "__pycache__" and "." not in name and e.is_dir():
                    stack.append(e.path)


def server_names(path_entries: list[str], flags: str | None = None) -> tuple[str, str]:
    """(family, key): the socket is ``FAMILY-KEY.sock`` in :func:`socket_dir`.

    Together they cover everything a server fixes when it starts.  The family: this
    interpreter, this copy of pydock, the interpreter's flags, options, module search path
    and file-system encoding.  The key: the code (sizes and mtimes of pydock's files, mtimes
    of the search path's folders, which change when packages are installed).  A client only
    talks to a server of its own family and key, so an edited checkout or a changed
    environment never meets a stale server; a new server stops the others of its family,
    which run code that is gone.  ``path_entries`` and ``flags`` (``repr(sys.flags)``) are
    this process' own unless it started without ``site`` (``pydock/fast_start.py``), which
    passes those of the full start it stands in for.
    """
    import zlib

    flags = repr(sys.flags) if flags is None else flags
    interpreter = [str(PROTOCOL), sys.executable, os.path.dirname(os.path.abspath(__file__)), sys.version,
                   flags, repr(sys.warnoptions), repr(sorted(sys._xoptions.items())),
                   sys.getfilesystemencoding(), sys.getfilesystemencodeerrors(), os.environ.get("PYTHONHASHSEED", "")]
    code: list[str] = []
    for entry in path_entries:
        try:
            mtime = os.stat(entry or ".").st_mtime_ns
        except OSError:
            mtime = 0
        interpreter.append(entry)
        code.append(f"{entry}:{mtime}")
    _code_stamp(code)
    fam = "\n".join(interpreter).encode("utf-8", "surrogateescape")
    data = "\n".join(code).encode("utf-8", "surrogateescape")
    return f"{zlib.crc32(fam):08x}{zlib.adler32(fam):08x}", f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"


def process_context() -> tuple:
    """What the client and the child must share and the child cannot change for itself.

    Credentials, namespaces, the root directory, the cgroup and the capability sets: a
    request from a process that differs in any of them runs in-process instead.
    """
    ns = []
    for name in ("mnt", "pid", "net", "user", "uts", "ipc", "cgroup"):
        try:
            ns.append(os.readlink(f"/proc/self/ns/{name}"))
        except OSError:
            ns.append("")
    root = os.stat("/")
    try:
        with open("/proc/self/cgroup", "rb") as f:
            cgroup = f.read()
    except OSError:
        cgroup = b""
    status = []
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith((b"Cap", b"NoNewPrivs", b"Seccomp:")):
                    status.append(line)
    except OSError:
        pass
    return (os.getuid(), os.geteuid(), os.getgid(), os.getegid(), tuple(sorted(os.getgroups())), tuple(ns),
            (root.st_dev, root.st_ino), cgroup, tuple(status))


# ---------------------------------------------------------------------------------- the client


def _stream_params(stream: object) -> tuple | None:
    if stream is None:
        return None
    try:
        buffered = hasattr(stream.buffer, "raw")  # type: ignore[attr-defined] - python -u: a FileIO under stdout
        return (stream.encoding, stream.errors, stream.line_buffering, stream.write_through, buffered)  # type: ignore[attr-defined]
    except AttributeError:
        return None


def _request(cwd_known: bool, extra: list[tuple[int, bool]]) -> bytes:
    import _signal
    import resource

    limits = []
    for name in dir(resource):
        if name.startswith("RLIMIT_"):
            res = getattr(resource, name)
            soft, hard = resource.getrlimit(res)
            limits.append((res, soft, hard))
    umask = os.umask(0o022)
    os.umask(umask)
    ignored = []
    for sig in range(1, _signal.NSIG):
        try:
            if _signal.getsignal(sig) == _signal.SIG_IGN:
                ignored.append(sig)
        except (ValueError, OSError):
            pass
    streams = [_stream_params(s) for s in (sys.stdin, sys.stdout, sys.stderr)]
    try:
        cwd = os.getcwd() if cwd_known else None
    except OSError:
        cwd = None
    request = {
        "argv": list(sys.argv),
        "env": dict(os.environb),
        "cwd": cwd,
        "umask": umask,
        "rlimits": limits,
        "nice": os.getpriority(os.PRIO_PROCESS, 0),
        "affinity": sorted(os.sched_getaffinity(0)),
        "ignored": ignored,
        "sigmask": sorted(int(s) for s in _signal.pthread_sigmask(_signal.SIG_BLOCK, [])),
        "streams": streams,
        "context": process_context(),
        "extra_fds": extra,
        "quick": bool(sys.flags.no_site),  # counted by the server: did the quick start work?
    }
    return frame(request)


def frame(message: dict) -> bytes:
    """A request on the socket: its length (8 bytes, little-endian), then ``marshal`` of it."""
    import marshal

    body = marshal.dumps(message)
    return len(body).to_bytes(8, "little") + body


def send_with_fds(sock, data: bytes, fds: tuple[int, ...]) -> None:  # noqa: ANN001 - a socket
    """Send ``data`` with ``fds`` attached (``SCM_RIGHTS``) to its first part."""
    import _socket

    rights = b"".join(fd.to_bytes(4, sys.byteorder) for fd in fds)
    sent = sock.sendmsg([data[:65536]], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)])
    if sent < len(data):
        sock.sendall(data[sent:])


def _via_server(path_entries: list[str], flags: str, start: bool, hint: str = "") -> bool:
    """Run the command in a server child and exit as it did; return to run it in-process.

    True when the server refused the command (it would refuse it again: run it here).

    ``path_entries`` and ``flags`` name the server (:func:`server_names`).  ``start``: when no
    server answers, start one for the next run (not from a start without ``site``, whose
    interpreter flags a server must not inherit).  ``hint``: the file ``bin/pydock`` looks
    for; it is (re)written for the next quick start (:func:`_leave_hint`).
    """
    try:
        import _socket
    except ImportError:
        return False
    try:
        extra = _inherited_descriptors()  # before this function opens any of its own
        if extra is None:
            return False
        directory = socket_dir()
        family, key = server_names(path_entries, flags)
        if directory is None:
            if start:
                _start_server(family, key)
                directory = socket_dir()
            if directory is not None and hint:
                _leave_hint(directory, hint)
            return False
        if hint:
            _leave_hint(directory, hint)
        path = f"{directory}/{family}-{key}.sock"
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM | _socket.SOCK_CLOEXEC)
    except Exception:  # noqa: BLE001 - anything odd: run in-process
        return False
    early: _EarlySignals | None = None
    try:
        try:
            sock.connect(path)
        except (FileNotFoundError, ConnectionRefusedError):
            if start:
                _start_server(family, key)
            return False
        cwd_fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            request = _request(True, extra)
            early = _EarlySignals()  # from here on the child may start (and print) before "P" arrives
            send_with_fds(sock, request, (0, 1, 2, cwd_fd, *(fd for fd, _inheritable in extra)))
        finally:
            os.close(cwd_fd)
        first = _recv_exact(sock, 1)
    except Exception:  # noqa: BLE001 - nothing has happened yet: run in-process
        sock.close()
        if early is not None:
            early.give_back()
        return False
    assert early is not None
    if first != b"P":  # refused (or the server went away before starting the child)
        sock.close()
        early.give_back()
        return first == b"R"
    _wait_for_child(sock, early.pending)


class _EarlySignals:
    """Signals that arrive between sending the request and the child's "P".

    The child may already run (and print) by then, so a signal is kept and passed on once
    the child is known to run (:func:`_wait_for_child`), or given back to this process when
    the command runs here after all.  The same signal twice before "P" (a second Ctrl-C at
    a server that does not answer) ends the wait: this process then dies of it.
    """

    def __init__(self) -> None:
        import _signal

        self.pending: list[int] = []
        self.previous = {}
        for sig in (*FORWARDED_SIGNALS, _SIGTSTP):
            handler = _signal.getsignal(sig)
            if handler != _signal.SIG_IGN:
                self.previous[sig] = handler
                _signal.signal(sig, self._keep)

    def _keep(self, sig: int, _frame: object) -> None:
        if sig in self.pending and sig != _SIGTSTP:
            import _signal

            _signal.signal(sig, _signal.SIG_DFL)
            os.kill(os.getpid(), sig)
            os._exit(128 + sig)
        self.pending.append(sig)

    def give_back(self) -> None:
        """Restore the handlers and deliver what was kept (the command runs in this process)."""
        import _signal

        for sig, handler in self.previous.items():
            _signal.signal(sig, handler)
        for sig in self.pending:
            os.kill(os.getpid(), sig)


def _leave_hint(directory: str, hint: str) -> None:
    """Tell ``bin/pydock`` where this pydock lives, so its next ``eval`` can start without ``site``.

    The hint holds the folder that contains the ``pydock`` package and what the server's
    name depends on that only a start with ``site`` knows (``sys.path``, ``sys.flags``).  It
    is written only into the private socket folder, under the name the script chose, and
    replaced atomically; a stale hint only costs the quick start (the names then differ and
    the script runs this full start again, which rewrites it).
    """
    import marshal

    if os.path.dirname(hint) != directory or not _is_hint_name(os.path.basename(hint)):
        return
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    data = marshal.dumps({"root": root, "path": sys.path[1:], "flags": repr(sys.flags)})
    try:
        with open(hint, "rb") as f:
            if f.read() == data:
                return
    except OSError:
        pass
    temporary = f"{hint}.{os.getpid()}"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        os.rename(temporary, hint)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass


def _is_hint_name(name: str) -> bool:
    """``start-XXXXXXXX.hint`` (eight hex digits), the only names ``bin/pydock`` uses."""
    digits = name[6:-5]
    return (name.startswith("start-") and name.endswith(".hint") and len(digits) == 8
            and all(c in "0123456789abcdef" for c in digits))  # fmt: skip


def _inherited_descriptors() -> list[tuple[int, bool]] | None:
    """(number, inheritable) of each descriptor this process holds besides stdin/stdout/stderr.

    Shells, CI runners, GNU ``time -o`` and job servers leave such descriptors open, and Nix
    code can read them as ``/dev/fd/N``: the child gets them at the same numbers.  None when
    there are too many to pass in one message (the command then runs in-process).
    """
    found = []
    for name in os.listdir("/proc/self/fd"):
        if name not in ("0", "1", "2"):
            fd = int(name)
            try:
                found.append((fd, os.get_inheritable(fd)))
            except OSError:
                continue  # the descriptor listdir itself used, closed by now
    return found if len(found) <= MAX_EXTRA_FDS else None


def _recv_exact(sock, n: int) -> bytes:  # noqa: ANN001 - a _socket.socket
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return buf
        buf += chunk
    return buf


def _wait_for_child(sock, early: list[int]) -> None:  # noqa: ANN001 - a _socket.socket
    """The child runs the command; forward signals (first those in ``early``, which arrived
    before it was known to run), then exit with its status.  Never returns."""
    import _signal

    def forward(sig: int, _frame: object) -> None:
        try:
            sock.sendall(b"K" + bytes([sig]))
        except OSError:
            pass

    def stop(_sig: int, _frame: object) -> None:
        forward(_SIGSTOP, None)
        _signal.signal(_SIGTSTP, _signal.SIG_DFL)
        os.kill(os.getpid(), _SIGTSTP)  # stops here until SIGCONT (not at all in an orphaned group)
        _signal.signal(_SIGTSTP, stop)
        forward(_SIGCONT, None)

    for sig in FORWARDED_SIGNALS:
        if _signal.getsignal(sig) != _signal.SIG_IGN:
            _signal.signal(sig, forward)
    if _signal.getsignal(_SIGTSTP) != _signal.SIG_IGN:
        _signal.signal(_SIGTSTP, stop)
    _signal.signal(_SIGCONT, lambda _s, _f: forward(_SIGCONT, None))
    for sig in early:
        (stop if sig == _SIGTSTP else forward)(sig, None)
    try:
        reply = _recv_exact(sock, 5)
    except OSError:
        reply = b""
    if len(reply) == 5 and reply[:1] == b"X":
        os._exit(int.from_bytes(reply[1:], "little") & 0xFF)
    if len(reply) == 5 and reply[:1] == b"S":
        sig = int.from_bytes(reply[1:], "little")
        try:
            _signal.signal(sig, _signal.SIG_DFL)
            _signal.pthread_sigmask(_signal.SIG_UNBLOCK, [sig])
            os.kill(os.getpid(), sig)
        except (OSError, ValueError):
            pass
        os._exit(128 + sig)
    # the server vanished while the child ran: its status is lost
    os.write(2, b"error: the pydock server went away while running the command\n")
    os._exit(1)


# ---------------------------------------------------------------------------------- starting a server


def _start_server(family: str, key: str) -> None:
    """Start a server for the next run, detached (own session, stdio on /dev/null); never wait for it.

    Not when one is already starting or running for this key (its lock is held), nor
    within a minute of a failed start (``KEY.failed``).
    """
    try:
        import fcntl
        import time

        directory = socket_dir(create=True)
        if directory is None:
            return
        base = f"{directory}/{family}-{key}"
        try:
            if time.time() - os.stat(base + ".failed").st_mtime < 60:
                return
        except OSError:
            pass
        fd = os.open(base + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return  # a server holds it
        finally:
            os.close(fd)
        import subprocess

        code = "import sys; del sys.path[0]; from pydock.server import serve_main; serve_main()"
        argv = [sys.executable, *subprocess._args_from_interpreter_flags(), "-c", code, family, key]
        null = os.devnull
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, null, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, null, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_DUP2, 1, 2),
        ]
        import signal

        # a clean slate of signals: this caller may ignore or block some (nohup, a CI runner)
        defaults = signal.valid_signals() - {signal.SIGKILL, signal.SIGSTOP}
        os.posix_spawn(sys.executable, argv, os.environ, file_actions=actions, setsid=True, setsigmask=(),
                       setsigdef=defaults)  # fmt: skip
    except Exception:  # noqa: BLE001 - no server this time
        return
