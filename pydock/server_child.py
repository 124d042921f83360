"""A warm server's child becoming the client's process and running its command (``pydock/server.py``).

Everything the command can see is the client's (see :func:`_become_client`): its
stdin/stdout/stderr, working directory and other open descriptors (received through
``SCM_RIGHTS``, placed at the client's numbers), argv, environment (replacing
``os.environ``), umask, resource limits, niceness, CPU affinity, signal mask and ignored
signals and stdio encodings; time zone and locale are re-read from that environment.  What
cannot be matched (credentials, namespaces, root, cgroup, capabilities, a limit this process
may not raise) makes the child refuse before anything is visible (``R``: the client runs
the command itself).  Then it runs the same click ``main`` as an in-process run and ends as
Python's own shutdown would (non-daemon threads joined, ``atexit`` handlers, the flush of
stdout that turns a broken pipe into status 120) and reports the status (``X``).
"""

from __future__ import annotations

import os
import sys

__all__ = ["run_request", "REFUSED_STATUS"]

REFUSED_STATUS = 75  # a child that refused exits so (pydock's commands end with 0, 1, 2, 120 or a signal)


class _Refused(Exception):
    """The child cannot be the client's process: the client runs the command itself."""


def run_request(conn, request: dict, fds: list[int], notes: str, context: tuple | None = None) -> None:  # noqa: ANN001
    """Be the client's process and run its command; never returns.

    ``conn`` is the client's connection, ``fds`` its stdin, stdout, stderr, working directory
    and other descriptors, ``context`` this process' ``process_context`` if already known.
    ``notes`` is the server's path prefix for what the child tells it: ``NOTES.refused`` (why
    it refused) and ``NOTES.learn.PID`` (the files it parsed, for the server to keep parsed).
    """
    refusal_note = notes + ".refused"
    conn.settimeout(None)
    try:
        extra = request.get("extra_fds", [])
        if len(fds) != 4 + len(extra) or request.get("protocol", 1) != 1:
            raise _Refused("protocol")
        conn, fds = _out_of_the_way(conn, fds, max([2, *(target for target, _ in extra)]) + 1)
        _become_client(request, fds, context)
    except Exception as e:  # noqa: BLE001 - nothing visible has happened: the client runs it itself
        _note_refusal(refusal_note, e)  # first: whoever looks after the client's run finds it
        conn.sendall(b"R")
        os._exit(REFUSED_STATUS)
    conn.sendall(b"P")
    from pydock.evaluator import parse_cache

    parse_cache.parsed_files.clear()  # the server's own parses are not this command's
    status, by_signal = _run_command()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)  # the client's pipes see end-of-file no later than the client exits
    if by_signal:
        import signal

        signal.signal(by_signal, signal.SIG_DFL)
        os.kill(os.getpid(), by_signal)
    # before the status: once the client has it, it exits and the server, seeing its end of the
    # socket close, kills whatever is left of this process
    _report_parsed(f"{notes}.learn.{os.getpid()}")
    try:
        conn.sendall(b"X" + (status & 0xFF).to_bytes(4, "little"))
    except OSError:
        pass
    os._exit(status & 0xFF)


def _report_parsed(path: str) -> None:
    """Tell the server which files this command parsed (it parses and compiles them too, for the
    next commands), whether its evaluation adopted the server's compiled template and, when
    asked, which of the server's pages it wrote (``server_prefault.py``)."""
    import marshal

    from pydock import server_prefault
    from pydock.evaluator import parse_cache, state

    adopted = state.adopted_template
    written: list[tuple[int, int]] = []
    if server_prefault.learning_ranges:
        try:
            written = server_prefault.written_runs(server_prefault.learning_ranges)
        except OSError:
            pass
    if not parse_cache.parsed_files and not adopted and not written:
        return
    try:
        with open(path + ".tmp", "wb") as f:
            f.write(marshal.dumps((parse_cache.parsed_files[:64], adopted, written)))
        os.replace(path + ".tmp", path)
    except (OSError, ValueError):
        pass


def _out_of_the_way(conn, fds: list[int], low: int) -> tuple[object, list[int]]:  # noqa: ANN001 - a socket
    """Move the connection and the received descriptors to numbers >= ``low``.

    The client's own descriptors go to their numbers below that, which must then be free.
    """
    import fcntl
    import socket

    moved = []
    for fd in fds:
        if fd < low:
            new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, low)
            os.close(fd)
            fd = new
        moved.append(fd)
    if conn.fileno() < low:
        new = fcntl.fcntl(conn.fileno(), fcntl.F_DUPFD_CLOEXEC, low)
        conn.close()
        conn = socket.socket(fileno=new)
    return conn, moved


def _note_refusal(path: str, e: BaseException) -> None:
    """Why the last request ran in-process after all (``pydock server status`` shows it)."""
    try:
        with open(f"{path}.{os.getpid()}", "w") as f:
            f.write(f"{type(e).__name__}: {e}\n")
        os.replace(f"{path}.{os.getpid()}", path)
    except OSError:
        pass


def _become_client(request: dict, fds: list[int], context: tuple | None) -> None:
    """Take on the client's process state (see the module docstring); raise before anything visible."""
    import resource
    import signal

    from pydock.launcher import process_context

    if request["context"] != (context or process_context()):
        raise _Refused("process context")
    # limits, priority and CPUs first: they can fail, and nothing is visible yet
    for res, soft, hard in request["rlimits"]:
        if resource.getrlimit(res) != (soft, hard):
            resource.setrlimit(res, (soft, hard))
    if os.getpriority(os.PRIO_PROCESS, 0) != request["nice"]:
        os.setpriority(os.PRIO_PROCESS, 0, request["nice"])
    if sorted(os.sched_getaffinity(0)) != request["affinity"]:
        os.sched_setaffinity(0, request["affinity"])
    stdin_fd, stdout_fd, stderr_fd, cwd_fd = fds[:4]
    for (target, inheritable), fd in zip(request["extra_fds"], fds[4:], strict=True):
        os.dup2(fd, target, inheritable=inheritable)
        os.close(fd)
    os.fchdir(cwd_fd)
    os.close(cwd_fd)
    if request["cwd"] is not None and os.getcwd() != request["cwd"]:
        raise _Refused("working directory")
    for target, fd in ((0, stdin_fd), (1, stdout_fd), (2, stderr_fd)):
        os.dup2(fd, target)
    for fd in {stdin_fd, stdout_fd, stderr_fd} - {0, 1, 2}:
        os.close(fd)
    os.umask(request["umask"])
    environ = os.environb
    environ.clear()
    environ.update(request["env"])
    import time

    time.tzset()
    try:
        import _locale

        _locale.setlocale(_locale.LC_CTYPE, "")
    except Exception:  # noqa: BLE001 - Python's own start-up ignores a bad locale too
        pass
    if "tempfile" in sys.modules:
        sys.modules["tempfile"].tempdir = None
    ignored = set(request["ignored"])
    for sig in range(1, signal.NSIG):
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        handler = signal.SIG_IGN if sig in ignored else signal.default_int_handler if sig == signal.SIGINT else None
        try:
            if handler is None:
                if signal.getsignal(sig) not in (signal.SIG_DFL, None):
                    signal.signal(sig, signal.SIG_DFL)
            else:
                signal.signal(sig, handler)
        except (OSError, ValueError):
            pass
    signal.pthread_sigmask(signal.SIG_SETMASK, request["sigmask"])
    sys.stdin, sys.stdout, sys.stderr = (_stdio(fd, params) for fd, params in enumerate(request["streams"]))
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr
    sys.argv = list(request["argv"])


def _stdio(fd: int, params: tuple | None):  # noqa: ANN202 - a text stream, as Python's start-up makes it
    import io

    if params is None:
        return None
    encoding, errors, line_buffering, write_through, buffered = params
    writing = fd != 0
    buffering = -1 if buffered else 0
    binary = open(fd, "wb" if writing else "rb", buffering=buffering, closefd=False)
    raw = binary if buffering == 0 else binary.raw
    raw.name = ("<stdin>", "<stdout>", "<stderr>")[fd]
    return io.TextIOWrapper(binary, encoding=encoding, errors=errors, newline="\n",
                            line_buffering=line_buffering, write_through=write_through)


def _run_command() -> tuple[int, int]:
    """Run the CLI as ``python -m``/the console script would; (exit status, signal to die by or 0)."""
    import atexit
    import threading

    by_signal = 0
    try:
        from pydock.cli import main

        main()
        status = 0
    except SystemExit as e:
        status = _exit_status(e.code)
    except KeyboardInterrupt:
        sys.excepthook(*sys.exc_info())
        status, by_signal = 1, 2
    except BaseException:  # noqa: BLE001 - printed as Python prints an uncaught exception
        sys.excepthook(*sys.exc_info())
        status = 1
    # Python's shutdown, in its order: threads, atexit, then the flush of stdout and stderr
    try:
        threading._shutdown()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001
        pass
    atexit._run_exitfuncs()
    if not _flush_std_files():
        status = 120
    return status, by_signal


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    try:
        sys.stderr.write(f"{code}\n")
    except Exception:  # noqa: BLE001
        pass
    return 1


def _flush_std_files() -> bool:
    ok = True
    out = sys.stdout
    if out is not None and not getattr(out, "closed", False):
        try:
            out.flush()
        except Exception as e:  # noqa: BLE001 - Python reports it as "Exception ignored in: …", status 120
            _unraisable(out, e)
            ok = False
    err = sys.stderr
    if err is not None and not getattr(err, "closed", False):
        try:
            err.flush()
        except Exception:  # noqa: BLE001
            ok = False
    return ok


def _unraisable(obj: object, e: BaseException) -> None:
    import traceback

    try:
        text = f"Exception ignored in: {obj!r}\n" + "".join(traceback.format_exception(e))
        sys.stderr.write(text)
        sys.stderr.flush()
    except Exception:  # noqa: BLE001
        pass
