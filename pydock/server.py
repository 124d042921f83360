"""The warm evaluation server behind ``pydock eval`` and ``pydock instantiate`` (client: ``launcher.py``).

One process per user and pydock version (the socket's name carries the key, see
``launcher.server_names``) that has imported the CLI, the evaluator, the store and the
builtins, built the parser, parsed the prelude and compiled it into a template evaluation
state (which a child's evaluation adopts, ``evaluator/state.py``), and then forks one child
per command.  It has no threads, so forking is safe; it never evaluates anything itself, so
no child inherits state from an evaluation.

A child (``pydock/server_child.py``) becomes the client's process in all that the command
can see, runs the same click ``main`` as an in-process run and reports its status (``X``),
or refuses (``R``) before anything is visible.  The server reports a death by signal
(``S``), passes on the signals the client forwards (``K``) and kills the child when the
client disappears (its end of the socket closes), as the command would have died with it.

Module-level state is read at call time everywhere the evaluator and the store look at the
environment (settings, ``NIX_PATH``, XDG folders, ``HOME``, store roots, caches); what is
decided at import time is not environment-dependent (the Lark parse tables, the parsed
prelude, keyed by ``HOME`` like the on-disk cache).  The server exits after
``PYDOCK_SERVER_IDLE`` seconds without a request (default 600), when its socket is removed
or replaced, or when asked (``pydock server stop``).
"""

from __future__ import annotations

import os
import sys

from pydock.server_child import REFUSED_STATUS, run_request

__all__ = ["serve_main", "request_op", "IDLE_SECONDS"]

_LEARN_MAX_BYTES = 1 << 20  # files a child parsed that the server parses too, for the next children

IDLE_SECONDS = 600.0
_MAX_FDS = 256  # conn, stdio, cwd and launcher.MAX_EXTRA_FDS inherited descriptors


# ---------------------------------------------------------------------------------- warm-up


def _warm_up() -> None:
    """Import and build what ``eval`` and ``instantiate`` need, without evaluating anything."""
    import ctypes  # noqa: F401 - the spare children's prefault (server_prefault.py)
    import difflib  # noqa: F401 - click's and the evaluator's "did you mean" suggestions

    from pydock import cli, instantiate_cli  # noqa: F401 - imported to be warm in every child
    from pydock.cli_options import command_settings  # noqa: F401
    from pydock.evaluator import (  # noqa: F401
        instantiation,
        parse_cache,
        printer,
        runner,
        session,
        show,
        toplevel,
    )
    from pydock.evaluator.builtins import load_all
    from pydock.evaluator.builtins.derivations import DERIVATION_NIX
    from pydock.evaluator.errors import Source
    from pydock.evaluator.packages import resolve_index_path  # noqa: F401
    from pydock.evaluator.parser import build_parser
    from pydock.evaluator.state import PRELUDE_DIR, make_template
    from pydock.store import local, settings  # noqa: F401

    load_all()
    build_parser()
    cli.main.get_command(None, "instantiate")  # type: ignore[arg-type] - the lazy group imports it
    from pydock.evaluator import fused_shapes  # noqa: F401 - the generated fast paths
    template = make_template()
    for folder, _dirs, files in os.walk(PRELUDE_DIR):
        for name in sorted(files):
            if name.endswith(".nix"):
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    text = f.read().decode("utf-8", "surrogateescape")
                _compile(template, parse_cache.preload(Source(path, text, "file"), folder))
    _compile(template, parse_cache.preload(Source("//builtin/derivation.nix", DERIVATION_NIX, "file"), "/"))
    _warm_first_use()
    parse_cache.parsed_files.clear()


def _compile(template, node) -> None:  # noqa: ANN001 - an EvalState, a parse
    """Compile a kept parse into the template state (never run), for the children to adopt."""
    try:
        template.compile_file(node)
    except Exception:  # noqa: BLE001 - code that does not compile (undefined variable) fails in the child
        pass


# Parsed (never evaluated) at warm-up: the lexer's regular expressions and the parser's
# first-use paths get compiled in the server instead of in every child.
_SAMPLE_NIX = r"""let
  f = { a ? 1, b, ... }@args: a + b * 2 - 1 / 1;
  s = "x${toString 1}y\n\t";
  i = ''
    z ${"q"} ''${x} '''
  '';
  p = ./a/b;
  h = <nixpkgs/lib>;
  u = http://example.org/x;
in rec {
  l = [ (f { b = 3; }) s i p h u 1.5 (-2) (x: x) null true ];
  inherit s;
  inherit (builtins) map;
  x.y.z = if l == [] then assert true; l else with builtins; l.${"a"} or (l ++ [ ] // { });
  c = !false && true || false -> true;
}
"""

# Flags parsed (the command is never invoked) so that click's first-use work is done here.
_SAMPLE_ARGS = (
    ["eval", "--strict", "--json", "-E", "-A", "a", "-I", "x=/y", "--arg", "a", "1", "--argstr", "b", "c",
     "--option", "max-call-depth", "100", "--show-trace", "--impure", "1"],
    ["instantiate", "-E", "1", "--store", "/x", "-A", "a"],
)


def _pretouch() -> None:
    """In a spare child, before its request: write to the memory a short command writes anyway.

    A forked child copies each page of the server's heap it writes to (reference counts
    are writes); parsing a tiny Nix text and a command line now (both discarded, nothing
    global changes) takes most of those copies off the request's path.
    """
    _parse_samples('let a = { b = "x${y}"; }; in a.b + 1', (["eval", "-E", "1"],))


def _warm_first_use() -> None:
    _parse_samples(_SAMPLE_NIX, _SAMPLE_ARGS)


def _parse_samples(nix_text: str, command_lines: tuple[list[str], ...]) -> None:
    """Parse ``nix_text`` and each command line (never evaluated or run; the results are dropped)."""
    from pydock import cli
    from pydock.evaluator.errors import Source
    from pydock.evaluator.parser import parse

    parse(Source("«string»", nix_text, "string"), "/")
    for argv in command_lines:
        ctx = cli.main.make_context("pydock", list(argv))
        command = cli.main.get_command(ctx, argv[0])
        assert command is not None
        command.make_context(argv[0], list(argv[1:]), parent=ctx)


# ---------------------------------------------------------------------------------- the server


def serve_main() -> None:
    """Entry point of the detached server process (``launcher._start_server``); argv: FAMILY KEY."""
    os.closerange(3, 1 << 16)  # descriptors inherited from the first client are not ours to hold
    os.chdir("/")  # nor is its working directory (children get each client's own)
    family, key = sys.argv[1], sys.argv[2]
    from pydock import launcher

    directory = launcher.socket_dir(create=True)
    if directory is None:
        return
    base = f"{directory}/{family}-{key}"
    import fcntl

    lock = os.open(base + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another server of this key
    try:
        if launcher.server_names(sys.path) != (family, key):
            raise RuntimeError("this interpreter's key differs from the client's")
        _warm_up()
    except Exception:  # noqa: BLE001 - the clients keep running in-process for a while
        with open(base + ".failed", "w") as f:
            import traceback

            traceback.print_exc(file=f)
        return
    _Server(directory, family, key, lock).run()


class _Server:
    def __init__(self, directory: str, family: str, key: str, lock: int) -> None:
        self.directory, self.family, self.key, self.lock = directory, family, key, lock
        self.path = f"{directory}/{family}-{key}.sock"
        self.notes = f"{directory}/{family}-{key}"  # prefix of the files children leave for the server
        self.refusal_note = self.notes + ".refused"
        self.children: dict[int, object] = {}  # pid -> the client's connection
        self.by_fd: dict[int, int] = {}  # connection fd -> pid
        self.served = 0
        self.served_quick = 0  # of those, from the quick start without site (pydock/fast_start.py)
        self.spare: tuple[int, object] | None = None  # (pid, channel) of the child forked ahead
        self.reaped = 0
        self.refused = 0
        self.adopted = 0  # children whose evaluation adopted the compiled template (evaluator/state.py)
        self.prefault_runs: list[tuple[int, int]] = []  # pages children wrote (server_prefault.py)
        self.learned_commands: dict[str, None] = {}  # command lines whose pages a child reported
        self.last_usage = (0, 0.0)  # peak RSS (KiB) and CPU seconds of the last child (for bench/)
        self.stopping = False

    def run(self) -> None:
        import gc
        import select
        import signal
        import socket
        import time

        idle = float(os.environ.get("PYDOCK_SERVER_IDLE") or IDLE_SECONDS)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        tmp = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        self.listener.bind(tmp)
        self.listener.listen(64)
        os.rename(tmp, self.path)
        self.inode = os.stat(self.path).st_ino
        self._stop_others()
        self.wake_r, self.wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(self.wake_w)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, lambda _s, _f: None)  # handled through the wake-up pipe
        gc.collect()
        gc.freeze()  # children inherit the heap; the collector need not walk it again
        poll = select.poll()
        poll.register(self.listener, select.POLLIN)
        poll.register(self.wake_r, select.POLLIN)
        self.poll = poll
        last = time.monotonic()
        while True:
            events = poll.poll(5000)
            for fd, _mask in events:
                if fd == self.listener.fileno():
                    self._accept()
                elif fd == self.wake_r:
                    self._wakeup()
                else:
                    self._from_client(fd)
            if self.children or events:
                last = time.monotonic()
            if not self.stopping:
                self._fork_spare()
            if self.stopping and not self.children:
                break
            if not self.stopping and (time.monotonic() - last > idle or not self._still_ours()):
                self._stop_listening()
        os._exit(0)

    def _still_ours(self) -> bool:
        try:
            return os.stat(self.path).st_ino == self.inode
        except OSError:
            return False

    def _stop_listening(self) -> None:
        if self.spare is not None:
            self.spare[1].close()  # type: ignore[attr-defined] - the spare sees end-of-file and exits
            self.spare = None
        if self._still_ours():
            os.unlink(self.path)
        try:
            self.poll.unregister(self.listener)
        except KeyError:
            pass
        self.listener.close()
        self.stopping = True

    def _stop_others(self) -> None:
        """Servers of the same interpreter and checkout with another key run code that is gone: stop them.

        Their files go too once no process holds their lock.
        """
        import fcntl

        mine = f"{self.family}-{self.key}."
        names = [n for n in os.listdir(self.directory) if n.startswith(self.family + "-") and not n.startswith(mine)]
        for name in names:
            if name.endswith(".sock"):
                try:
                    request_op(os.path.join(self.directory, name), "stop")
                except (OSError, ValueError, EOFError):
                    pass
        for name in names:
            if not name.endswith(".lock"):
                continue
            base = os.path.join(self.directory, name[: -len(".lock")])
            try:
                fd = os.open(base + ".lock", os.O_RDWR | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                for suffix in (".failed", ".refused", ".lock"):
                    try:
                        os.unlink(base + suffix)
                    except FileNotFoundError:
                        pass
            except OSError:
                pass  # its server is still finishing
            finally:
                os.close(fd)

    def _wakeup(self) -> None:
        import signal

        try:
            data = os.read(self.wake_r, 512)
        except BlockingIOError:
            data = b""
        if any(b in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP) for b in data) and not self.stopping:
            self._stop_listening()
        while True:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            conn = self.children.pop(pid, None)
            if conn is None:
                continue  # a spare that was not used
            self._learn(pid)
            self.reaped += 1
            if os.WIFEXITED(status) and os.WEXITSTATUS(status) == REFUSED_STATUS:
                self.refused += 1
            self.last_usage = (usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
            if os.WIFSIGNALED(status):
                reply = b"S" + os.WTERMSIG(status).to_bytes(4, "little")
            else:
                reply = b"X" + os.waitstatus_to_exitcode(status).to_bytes(4, "little", signed=True)
            self._drop(conn, reply)

    def _learn(self, pid: int) -> None:
        """Parse and compile (never evaluate) the files the child ``pid`` parsed, for the next children;
        note which pages it wrote, for the next spares to copy ahead (``server_prefault.py``)."""
        import marshal

        from pydock.evaluator import parse_cache, state
        from pydock.evaluator.errors import Source

        path = f"{self.notes}.learn.{pid}"
        try:
            with open(path, "rb") as f:
                files, adopted, written = marshal.loads(f.read())
            os.unlink(path)
        except (OSError, ValueError, EOFError, TypeError):
            return
        self.adopted += bool(adopted)
        if written:
            from pydock.server_prefault import merge, resident_only

            self.prefault_runs = merge(self.prefault_runs, resident_only(written))
        template = state.template()
        for name, base_dir in files:
            try:
                with open(name, "rb") as f:
                    data = f.read(_LEARN_MAX_BYTES + 1)
                if len(data) <= _LEARN_MAX_BYTES:  # a huge file would hold up the next requests
                    node = parse_cache.preload(Source(name, data.decode("utf-8", "surrogateescape"), "file"),
                                               base_dir, keep=False)  # fmt: skip
                    if template is not None:
                        _compile(template, node)
            except Exception:  # noqa: BLE001 - a file that is gone or does not parse is simply not kept
                continue
        parse_cache.parsed_files.clear()
        if template is not None:  # the code of parses no longer kept would never be found again
            kept = parse_cache.kept_node_ids()
            for key in [key for key in template.compiled if key not in kept]:
                del template.compiled[key]

    def _drop(self, conn, reply: bytes | None) -> None:  # noqa: ANN001 - a socket
        fd = conn.fileno()
        self.by_fd.pop(fd, None)
        try:
            self.poll.unregister(fd)
        except KeyError:
            pass
        if reply is not None:
            try:
                conn.setblocking(False)
                conn.send(reply)
            except OSError:
                pass
        conn.close()

    def _from_client(self, fd: int) -> None:
        """``K`` + signal number: pass it on; end of file: the client is gone, so is its command."""
        import signal

        pid = self.by_fd.get(fd)
        if pid is None:
            return
        conn = self.children[pid]
        try:
            data = conn.recv(64)  # type: ignore[attr-defined]
        except OSError:
            data = b""
        if not data:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.by_fd.pop(fd, None)
            self.poll.unregister(fd)
            return
        for i in range(0, len(data) - 1, 2):
            if data[i : i + 1] == b"K":
                try:
                    os.kill(pid, data[i + 1])
                except (ProcessLookupError, ValueError):
                    pass

    def _accept(self) -> None:
        import socket
        import struct

        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        fds: list[int] = []
        try:
            _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
            if uid != os.getuid():
                raise PermissionError("another user")
            conn.settimeout(5.0)
            request = _read_request(conn, fds)
        except Exception:  # noqa: BLE001 - a bad request ends its connection, not the server
            for fd in fds:
                os.close(fd)
            conn.close()
            return
        op = request.get("op", "run")
        if op != "run":
            self._control(conn, op)
            return
        request["learn_pages"] = self._learn_pages(request)
        pid = self._hand_to_spare(conn, request, fds)
        if pid is None:
            pid = os.fork()
            if pid == 0:
                try:
                    self.close_in_child()
                    run_request(conn, request, fds, self.notes)
                finally:
                    os._exit(70)
        for fd in fds:
            os.close(fd)
        self.served += 1
        self.served_quick += bool(request.get("quick"))
        conn.setblocking(False)
        self.children[pid] = conn
        self.by_fd[conn.fileno()] = pid
        import select

        self.poll.register(conn.fileno(), select.POLLIN)

    def _fork_spare(self) -> None:
        """Fork the child of the next request now, so that forking is not on a request's path.

        The spare waits on a socket pair for a request, which arrives as the request's bytes
        and, through ``SCM_RIGHTS``, the client's connection, stdio and cwd descriptors.
        """
        import socket

        if self.stopping or self.spare is not None:
            return
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            try:
                ours.close()
                self.close_in_child()
                from pydock.launcher import process_context

                context = process_context()  # while waiting, off the request's path
                _pretouch()
                from pydock import server_prefault

                ranges = None
                if os.environ.get("PYDOCK_SERVER_PREFAULT", "1") != "0":  # the server's environment
                    ranges = server_prefault.writable_ranges()
                    server_prefault.prefault(self.prefault_runs, server_prefault.waiting(theirs.fileno()))
                fds: list[int] = []
                try:
                    request = _read_request(theirs, fds)
                except Exception:  # noqa: BLE001 - the server went away or stopped: nothing to do
                    os._exit(0)
                if request.get("learn_pages"):  # its command reports what it wrote
                    server_prefault.learning_ranges = ranges
                theirs.close()
                conn = socket.socket(fileno=fds[0])
                run_request(conn, request, fds[1:], self.notes, context)
            finally:
                os._exit(70)
        theirs.close()
        self.spare = (pid, ours)

    def _learn_pages(self, request: dict) -> bool:
        """Whether this request's child reports the pages it wrote: the first time its command
        line is seen, and every sixteenth request (``server_prefault.py``)."""
        key = repr(request.get("argv"))
        if key in self.learned_commands and self.served % 16 != 15:
            return False
        self.learned_commands.pop(key, None)
        self.learned_commands[key] = None
        while len(self.learned_commands) > 256:
            del self.learned_commands[next(iter(self.learned_commands))]
        return True

    def _hand_to_spare(self, conn, request: dict, fds: list[int]) -> int | None:  # noqa: ANN001 - a socket
        """Give the request to the spare child (its pid), or None when there is no usable spare."""
        from pydock.launcher import frame, send_with_fds

        self._fork_spare()
        if self.spare is None:
            return None
        pid, channel = self.spare
        self.spare = None
        try:
            send_with_fds(channel, frame(request), (conn.fileno(), *fds))
        except OSError:
            channel.close()
            return None
        channel.close()
        return pid

    def _control(self, conn, op: str) -> None:  # noqa: ANN001 - a socket
        import marshal

        from pydock.evaluator import parse_cache
        from pydock.evaluator.state import template as _template

        template = _template()
        info = {"pid": os.getpid(), "key": f"{self.family}-{self.key}", "children": len(self.children),
                "served": self.served, "served_quick": self.served_quick, "reaped": self.reaped,
                "refused": self.refused,
                "last_maxrss_kib": self.last_usage[0], "last_cpu_s": self.last_usage[1],
                "stopping": self.stopping, "last_refusal": None, "parses_kept": parse_cache.kept_parses(),
                "compiled_kept": len(template.compiled) if template is not None else 0, "adopted": self.adopted,
                "prefault_pages": sum(n for _, n in self.prefault_runs)}
        try:
            with open(self.refusal_note) as f:
                info["last_refusal"] = f.read().strip()
        except OSError:
            pass
        try:
            conn.sendall(marshal.dumps(info))
        except OSError:
            pass
        conn.close()
        if op == "stop" and not self.stopping:
            self._stop_listening()

    def close_in_child(self) -> None:
        """What the server holds that a child must not keep (the lock would block the next server)."""
        import signal

        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        for fd in (self.lock, self.wake_r, self.wake_w):
            os.close(fd)
        self.listener.close()
        for conn in self.children.values():
            conn.close()  # type: ignore[attr-defined]
        if self.spare is not None:
            self.spare[1].close()  # type: ignore[attr-defined]
            self.spare = None


def _read_request(conn, fds: list[int]) -> dict:  # noqa: ANN001 - a socket
    import marshal
    import socket

    msg, ancdata, _flags, _addr = conn.recvmsg(65536, socket.CMSG_SPACE(_MAX_FDS * 4))
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.extend(int.from_bytes(data[i : i + 4], sys.byteorder) for i in range(0, len(data) - len(data) % 4, 4))
    if len(msg) < 8:
        raise ValueError("short request")
    size = int.from_bytes(msg[:8], "little")
    body = bytearray(msg[8:])
    while len(body) < size:
        chunk = conn.recv(min(1 << 20, size - len(body)))
        if not chunk:
            raise ValueError("truncated request")
        body += chunk
    request = marshal.loads(bytes(body))
    if not isinstance(request, dict):
        raise ValueError("bad request")
    return request


def request_op(path: str, op: str) -> dict:
    """Send a control request (``status``, ``stop``) to the server listening at ``path``; its answer."""
    import marshal
    import socket

    from pydock.launcher import frame

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5.0)
        s.connect(path)
        s.sendall(frame({"op": op}))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return marshal.loads(data)
