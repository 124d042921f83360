"""The warm evaluation server is invisible: the same command through it and in-process
(``PYDOCK_SERVER=0``) prints the same stdout and stderr and ends with the same status.

Every test runs the installed ``pydock`` console script (``pydock.launcher``), as users do,
with its own ``XDG_RUNTIME_DIR`` so that its server is private; the fixture stops the server
and checks nothing is left running.  A differential case also checks that the server really
answered (its request count went up), so a silent fallback cannot make a case pass.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pydock.server import request_op

REPO = Path(__file__).resolve().parents[1]
PRELUDE = REPO / "evaluator" / "prelude"
SCRIPT = Path(sys.executable).with_name("pydock")
WAIT = 120.0  # seconds a server may take to start on a loaded machine


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


class Servers:
    """One private runtime directory, the commands run against it, and its servers."""

    def __init__(self, runtime: str) -> None:
        self.runtime = runtime
        self.sockets = os.path.join(runtime, "pydock")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PYDOCK_", "NIX_"))}
        self.env.update(XDG_RUNTIME_DIR=runtime, PYDOCK_SERVER="1", NIX_PATH="")
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.command = [str(SCRIPT)]
        self.cwd: str | None = None

    def run(self, args: list[str], *, server: bool, env: dict[str, str] | None = None, cwd: str | None = None,
            stdin: str | None = None, preexec: Callable[[], None] | None = None) -> Ran:  # fmt: skip
        full = {**self.env, **(env or {}), "PYDOCK_SERVER": "1" if server else "0"}
        p = subprocess.run([*self.command, *args], env=full, cwd=cwd or self.cwd, input=stdin, capture_output=True,
                           text=True, errors="backslashreplace", preexec_fn=preexec, timeout=300)  # fmt: skip
        return Ran(p.returncode, p.stdout, p.stderr)

    def status(self) -> list[dict]:
        out = []
        if os.path.isdir(self.sockets):
            for name in sorted(os.listdir(self.sockets)):
                if name.endswith(".sock"):
                    try:
                        out.append(request_op(os.path.join(self.sockets, name), "status"))
                    except OSError:
                        pass
        return out

    def served(self) -> int:
        return sum(s["served"] for s in self.status())

    def served_quick(self) -> int:
        """Requests that came from ``bin/pydock``'s quick start (an interpreter without ``site``)."""
        return sum(s["served_quick"] for s in self.status())

    def wait_up(self, exclude_key: str | None = None) -> dict:
        """Start the server (a first run does) and wait until it answers."""
        deadline = time.monotonic() + WAIT
        self.run(["eval", "-E", "0"], server=True)
        while time.monotonic() < deadline:
            live = [s for s in self.status() if s["key"] != exclude_key and not s["stopping"]]
            if live:
                return live[0]
            time.sleep(0.05)
        failed = [n for n in os.listdir(self.sockets)] if os.path.isdir(self.sockets) else []
        raise AssertionError(f"no server came up in {WAIT}s (files: {failed})")

    def stop(self) -> None:
        p = subprocess.run([str(SCRIPT), "server", "stop"], env=self.env, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr


@contextlib.contextmanager
def _private_servers() -> Iterator[Servers]:
    text = SCRIPT.read_text() if SCRIPT.exists() else ""
    assert text == (REPO / "bin" / "pydock").read_text(), f"{SCRIPT} is not this checkout's: pip install -e {REPO}"
    runtime = tempfile.mkdtemp(prefix="pds-", dir="/tmp")  # short: a socket path has at most 107 bytes
    os.chmod(runtime, 0o700)
    s = Servers(runtime)
    try:
        yield s
    finally:
        s.stop()
        left = s.status()
        shutil.rmtree(runtime, ignore_errors=True)
        assert left == [], f"servers still running: {left}"


@pytest.fixture
def servers() -> Iterator[Servers]:
    """A private runtime folder for one test (which may start, edit or refuse servers)."""
    with _private_servers() as s:
        yield s


@pytest.fixture(scope="module")
def warm() -> Iterator[Servers]:
    """A running server, shared by the tests of this module that only send it requests."""
    with _private_servers() as s:
        s.wait_up()
        yield s


def same_both_ways(s: Servers, args: list[str], quick: bool = True, **kw: object) -> Ran:
    """Run through the server and in-process; both must agree, and the server must have answered.

    ``quick``: the request came from the quick start (``bin/pydock`` without ``site``), which
    every request does once the hint for its environment exists; else from the full program.
    """
    before, before_quick = s.served(), s.served_quick()
    via = s.run(args, server=True, **kw)  # type: ignore[arg-type]
    assert s.served() == before + 1, "the command did not go through the server"
    assert s.served_quick() == before_quick + int(quick), "quick start" if quick else "full start"
    local = s.run(args, server=False, **kw)  # type: ignore[arg-type]
    assert via == local
    return via


# ---------------------------------------------------------------------------------- differential cases


def test_values_json_and_strict(warm: Servers) -> None:
    assert same_both_ways(warm, ["eval", "-E", "1+1"]).stdout == "2\n"
    r = same_both_ways(warm, ["eval", "--strict", "--json", "-E", '{ a = [ 1 "x" ]; b.c = null; }'])
    assert r.stdout == '{"a":[1,"x"],"b":{"c":null}}'
    same_both_ways(warm, ["eval", "--strict", "-E", "{ a = { b = 1; }; }"])
    same_both_ways(warm, ["eval", "-I", f"nixpkgs={PRELUDE}", "-E", "(import <nixpkgs> {}).lib.versions.major \"3.2\""])


def test_errors_with_code_frames_and_traces(warm: Servers, tmp_path: Path) -> None:
    bad = tmp_path / "bad.nix"
    bad.write_text('let\n  f = x: x + "a";\nin\n  f 1\n')
    plain = same_both_ways(warm, ["eval", str(bad)])
    assert plain.returncode == 1 and "error:" in plain.stderr and "bad.nix:2:" in plain.stderr
    traced = same_both_ways(warm, ["eval", "--show-trace", str(bad)])
    assert traced.returncode == 1 and len(traced.stderr) > len(plain.stderr)
    r = same_both_ways(warm, ["eval", "-E", "{ a = 1"])  # a syntax error
    assert r.returncode == 1 and "syntax error" in r.stderr
    r = same_both_ways(warm, ["eval", "-E", 'throw "boom"'])
    assert r.returncode == 1 and "boom" in r.stderr


def test_click_usage_errors_and_help(warm: Servers) -> None:
    r = same_both_ways(warm, ["eval", "--no-such-flag"])
    assert r.returncode == 2 and "Usage: pydock eval" in r.stderr
    r = same_both_ways(warm, ["eval", "--help"])
    assert r.returncode == 0 and r.stdout.startswith("Usage: pydock eval [OPTIONS]")


def test_search_path_from_nix_path_and_dash_i(warm: Servers, tmp_path: Path) -> None:
    (tmp_path / "foo").mkdir()
    (tmp_path / "foo" / "default.nix").write_text("{ hello = \"from foo\"; }\n")
    env = {"NIX_PATH": f"foo={tmp_path / 'foo'}"}
    r = same_both_ways(warm, ["eval", "--strict", "-E", "import <foo>"], env=env)
    assert "from foo" in r.stdout
    r = same_both_ways(warm, ["eval", "--strict", "-I", f"foo={tmp_path / 'foo'}", "-E", "import <foo>"])
    assert "from foo" in r.stdout
    r = same_both_ways(warm, ["eval", "-E", "<foo>"])  # not found: NIX_PATH is empty here
    assert r.returncode == 1


def test_working_directory_and_relative_paths(warm: Servers, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "rel.nix").write_text("{ here = ./.; n = import ./n.nix; }\n")
    (tmp_path / "sub" / "n.nix").write_text("42\n")
    r = same_both_ways(warm, ["eval", "--strict", "sub/rel.nix"], cwd=str(tmp_path))
    assert f"{tmp_path}/sub" in r.stdout and "42" in r.stdout
    r = same_both_ways(warm, ["eval", "-E", "./."], cwd=str(tmp_path / "sub"))
    assert r.stdout == f"{tmp_path}/sub\n"


def test_environment_of_each_request(warm: Servers) -> None:
    # the server was started with another environment; each request sees its own
    for value in ("one", "two", ""):
        expr = 'builtins.getEnv "PYDOCK_TEST_VALUE"'
        r = same_both_ways(warm, ["eval", "-E", expr], env={"PYDOCK_TEST_VALUE": value})
        assert r.stdout == f'"{value}"\n'
    # $HOME shapes Python's module path, so the quick start's hint for it is not there yet
    r = same_both_ways(warm, ["eval", "-E", "~/x"], env={"HOME": "/home/somebody"}, quick=False)
    assert r.stdout == "/home/somebody/x\n"


def test_store_and_cache_folders_follow_each_request(warm: Servers, tmp_path: Path) -> None:
    """$PYDOCK_STORE and $XDG_CACHE_HOME are read per request, never the server's."""
    drv = 'derivation { name = "srv-env"; system = "x86_64-linux"; builder = "/bin/sh"; }'
    program = tmp_path / "cached.nix"
    program.write_text("{ a = 1; }\n")
    for mode in ("via", "local"):
        env = {"PYDOCK_STORE": str(tmp_path / mode / "store"), "XDG_CACHE_HOME": str(tmp_path / mode / "cache")}
        before = warm.served()
        r = warm.run(["instantiate", "-E", drv], server=mode == "via", env=env)
        assert r.returncode == 0 and r.stdout.endswith("-srv-env.drv\n"), r
        assert (tmp_path / mode / "store" / "nix" / "store" / os.path.basename(r.stdout.strip())).is_file()
        assert warm.run(["eval", "--strict", str(program)], server=mode == "via", env=env).stdout == "{ a = 1; }\n"
        assert warm.served() == before + (2 if mode == "via" else 0)
        # the program's parse is cached in the caller's folder (the prelude's, kept in the server's
        # memory, is not written again: a cache file is the one thing the two modes may differ in)
        assert list((tmp_path / mode / "cache" / "pydock" / "ast").glob("*.pickle"))


def test_files_parsed_once_are_kept_and_an_edit_is_seen(warm: Servers, tmp_path: Path) -> None:
    program = tmp_path / "edited.nix"
    program.write_text("{ v = 1; }\n")
    kept = warm.status()[0]["parses_kept"]
    assert same_both_ways(warm, ["eval", "--strict", str(program)]).stdout == "{ v = 1; }\n"
    deadline = time.monotonic() + WAIT  # the server parses what the child parsed, once the child is gone
    while warm.status()[0]["parses_kept"] == kept and time.monotonic() < deadline:
        time.sleep(0.05)
    assert warm.status()[0]["parses_kept"] == kept + 1, (warm.status(), os.listdir(warm.sockets))
    program.write_text("{ v = 2; }\n")  # same size, same second: only the text tells
    assert same_both_ways(warm, ["eval", "--strict", str(program)]).stdout == "{ v = 2; }\n"


def test_stdin_is_the_callers(warm: Servers) -> None:
    r = same_both_ways(warm, ["eval", "-E", 'builtins.readFile "/dev/stdin"'], stdin="piped text\n")
    assert r.stdout == '"piped text\\n"\n'


def test_inherited_descriptors_are_the_callers(warm: Servers, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.write_text("through fd 7\n")
    expr = 'builtins.readFile \\"/dev/fd/7\\"'
    script = f"exec 7<{data} 9>/dev/null; {SCRIPT} eval -E \"{expr}\""
    before = warm.served()
    outs = [subprocess.run(["bash", "-c", script], env={**warm.env, "PYDOCK_SERVER": v}, capture_output=True,
                           text=True, timeout=300) for v in ("1", "0")]  # fmt: skip
    assert warm.served() == before + 1
    via, local = ((p.returncode, p.stdout, p.stderr) for p in outs)
    assert via == local == (0, '"through fd 7\\n"\n', "")


def _proc_self(field: str) -> str:
    return (
        'let lines = builtins.filter builtins.isString (builtins.split "\\n" (builtins.readFile "/proc/self/status"));'
        f' in builtins.filter (l: builtins.substring 0 {len(field)} l == "{field}") lines'
    )


def test_umask_limits_and_niceness_are_the_callers(warm: Servers) -> None:
    import resource

    def restricted() -> None:
        os.umask(0o027)
        resource.setrlimit(resource.RLIMIT_NOFILE, (200, 300))
        os.nice(3)

    r = same_both_ways(warm, ["eval", "--strict", "-E", _proc_self("Umask:")], preexec=restricted)
    assert "0027" in r.stdout
    limits = 'builtins.readFile "/proc/self/limits"'
    r = same_both_ways(warm, ["eval", "-E", limits], preexec=restricted)
    assert "Max open files            200                  300" in r.stdout
    stat = ('builtins.elemAt (builtins.filter builtins.isString (builtins.split " "'
            ' (builtins.readFile "/proc/self/stat"))) 18')  # fmt: skip
    r = same_both_ways(warm, ["eval", "-E", stat], preexec=restricted)
    assert r.stdout == '"3"\n'


def test_instantiate_writes_the_same_derivation(warm: Servers, tmp_path: Path) -> None:
    drv = 'derivation { name = "srv-test"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "x" ]; }'
    before = warm.served()
    via = warm.run(["instantiate", "--store", str(tmp_path / "a"), "-E", drv], server=True)
    assert warm.served() == before + 1
    local = warm.run(["instantiate", "--store", str(tmp_path / "b"), "-E", drv], server=False)
    assert via == local and via.returncode == 0 and via.stdout.endswith("-srv-test.drv\n")
    name = os.path.basename(via.stdout.strip())
    a, b = (tmp_path / side / "nix" / "store" / name for side in "ab")
    assert a.read_bytes() == b.read_bytes()


def test_broken_pipe_ends_the_same(warm: Servers) -> None:
    expr = "builtins.genList (x: x) 200000"
    script = f"{SCRIPT} eval --strict -E '{expr}' | head -c 10 >/dev/null; echo ${{PIPESTATUS[0]}}"
    outs = []
    for server in ("1", "0"):
        p = subprocess.run(["bash", "-c", script], env={**warm.env, "PYDOCK_SERVER": server},
                           capture_output=True, text=True, timeout=300)  # fmt: skip
        outs.append((p.stdout, p.stderr))
    assert outs[0] == outs[1]


# ---------------------------------------------------------------------------------- the compiled template
#
# The server compiles the prelude (and the files children parsed) into a template EvalState
# that each child's evaluation adopts when the request's globals allow (evaluator/state.py).
# Consecutive requests differ in what a captured value would betray: search path, time,
# arguments, settings, an edited file, an error, a trace; the server's status counts adoptions.


def _settled(s: Servers) -> dict:
    """The server's status once it has reaped (and learned from) every child it served."""
    deadline = time.monotonic() + WAIT
    while True:
        status = s.status()[0]
        if status["reaped"] >= status["served"] or time.monotonic() > deadline:
            return status
        time.sleep(0.02)


def same_and_adopted(s: Servers, args: list[str], adopted: bool = True, **kw: object) -> Ran:
    """``same_both_ways``, and the server's child adopted the template (or, ``adopted=False``, did not)."""
    before = _settled(s)["adopted"]
    r = same_both_ways(s, args, **kw)
    assert _settled(s)["adopted"] == before + adopted, (args, kw)
    return r


def test_template_holds_the_compiled_prelude(warm: Servers, tmp_path: Path) -> None:
    assert _settled(warm)["compiled_kept"] > 20
    example = str(REPO / "examples" / "docker-layered.nix")
    for _ in range(2):
        r = same_and_adopted(warm, ["eval", "-I", f"nixpkgs={PRELUDE}", example, "-A", "stream.drvPath"])
        assert r.returncode == 0 and r.stdout.endswith('-stream-hello.drv"\n'), r
    # the first commands told the server which of its pages they wrote; its spares copy those ahead
    assert _settled(warm)["prefault_pages"] > 100
    args = ["instantiate", "-I", f"nixpkgs={PRELUDE}", example, "-A", "stream"]
    via = warm.run([*args, "--store", str(tmp_path / "a")], server=True)
    local = warm.run([*args, "--store", str(tmp_path / "b")], server=False)
    assert via == local and via.returncode == 0
    name = os.path.basename(via.stdout.strip())
    assert (tmp_path / "a/nix/store" / name).read_bytes() == (tmp_path / "b/nix/store" / name).read_bytes()


def test_template_search_path_of_each_request(warm: Servers, tmp_path: Path) -> None:
    program = tmp_path / "np.nix"  # strict operands: nixPath read when compiling, so never kept
    program.write_text("{ both = builtins.nixPath ++ __nixPath; lazy = map (e: e.prefix) builtins.nixPath; }\n")
    for flags, env in (([f"a={tmp_path}"], {}), ([], {"NIX_PATH": f"b={tmp_path}:c=/c"}),
                       ([f"d={tmp_path}"], {"NIX_PATH": "e=/e"}), ([], {})):  # fmt: skip
        args = ["eval", "--strict", *(x for f in flags for x in ("-I", f)), str(program)]
        r = same_and_adopted(warm, args, env=env)
        prefixes = [f.split("=")[0] for f in flags] + [e.split("=")[0] for e in env.get("NIX_PATH", "").split(":") if e]
        assert r.stdout.count("prefix = ") == len(prefixes) and f"lazy = [ {' '.join(map(repr, prefixes))} ]" \
            .replace("'", '"').replace("[  ]", "[ ]") in r.stdout, r  # fmt: skip


def test_template_current_time_of_each_request(warm: Servers, tmp_path: Path) -> None:
    program = tmp_path / "time.nix"
    program.write_text("[ builtins.currentTime __currentTime (let b = builtins; in b.currentTime) ]\n")
    for _ in range(2):
        time.sleep(1.1)  # a time captured by the server (or a previous request) would be a second old
        start = int(time.time())
        r = warm.run(["eval", "--strict", str(program)], server=True)
        end = int(time.time())
        values = [int(v) for v in r.stdout.strip("[] \n").split()]
        assert len(values) == 3 and all(start <= v <= end for v in values), (start, r, end)
    r = same_and_adopted(warm, ["eval", "--strict", "-E", f"(import {program}) == [ {{0}} {{0}} {{0}} ]"
                               .replace("{0}", "builtins.currentTime")])  # fmt: skip
    assert r.stdout == "true\n"


def test_template_arguments_traces_warnings_and_errors(warm: Servers, tmp_path: Path) -> None:
    inner = 'if builtins.getEnv "PYDOCK_T_MODE" == "bad" then throw "bad mode" else "good"\n'
    (tmp_path / "inner.nix").write_text(inner)
    program = tmp_path / "f.nix"
    program.write_text(
        "{ fail ? false, n ? 1 }:\n"
        'builtins.trace "evaluating with n = ${toString n}"\n'
        '  (if fail then throw "failed on request" else { doubled = n * 2; inner = import ./inner.nix;\n'
        '     warned = builtins.warn "careful" n; })\n'
    )  # fmt: skip
    cases = [
        (["--arg", "n", "3"], {}, 0, "doubled = 6"),
        (["--arg", "fail", "true"], {}, 1, "failed on request"),
        (["--arg", "n", "1"], {"PYDOCK_T_MODE": "bad"}, 1, "bad mode"),  # inner.nix throws in this request…
        (["--arg", "n", "1"], {}, 0, 'inner = "good"'),  # …and evaluates in the next
        (["--show-trace", "--arg", "fail", "true"], {}, 1, "failed on request"),
        (["--argstr", "n", "x"], {}, 1, "error:"),
        (["--option", "abort-on-warn", "true", "--arg", "n", "1"], {}, 1, "careful"),
        (["--arg", "n", "5"], {}, 0, "doubled = 10"),
    ]
    for flags, env, status, text in cases:
        r = same_and_adopted(warm, ["eval", "--strict", *flags, str(program)], env=env)
        assert r.returncode == status and text in r.stdout + r.stderr, (flags, r)
        assert "trace: evaluating with n = " in r.stderr, r  # printed on every request
        if status == 0:
            assert "evaluation warning: careful" in r.stderr, r
    url = tmp_path / "url.nix"
    url.write_text("http://example.org/x\n")
    for _ in range(2):  # a lint prints while parsing: never answered from the server's memory
        r = same_and_adopted(warm, ["eval", "--lint-url-literals", "warn", str(url)])
        assert r.returncode == 0 and "warning:" in r.stderr, r


def test_template_edited_file_and_a_compile_error(warm: Servers, tmp_path: Path) -> None:
    program = tmp_path / "edited.nix"
    texts = ["{ v = 1; }\n", "{ v = 2; }\n", "{ v = w; }\n", "{ v = 3; }\n"]  # the same size: only the text tells
    outputs = ["{ v = 1; }\n", "{ v = 2; }\n", None, "{ v = 3; }\n"]
    for text, out in zip(texts, outputs, strict=True):
        program.write_text(text)
        for _ in range(2):  # the second request finds the file parsed and compiled by the server
            r = same_and_adopted(warm, ["eval", "--strict", str(program)])
            if out is None:
                assert r.returncode == 1 and "undefined variable 'w'" in r.stderr, r
            else:
                assert r == Ran(0, out, ""), r


def test_template_package_index_of_each_request(warm: Servers, tmp_path: Path) -> None:
    index = tmp_path / "index.json"
    out = "/nix/store/" + "a" * 32 + "-hello-2.12"
    index.write_text(json.dumps({"hello": {"name": "hello-2.12", "pname": "hello", "version": "2.12",
                                           "system": "x86_64-linux", "outputs": {"out": out}}}))  # fmt: skip
    program = tmp_path / "pkg.nix"  # no <nixpkgs>: its code is kept by the server
    program.write_text(f"{{ p }}: (import {PRELUDE} {{ }}).${{p}}.outPath\n")
    for packages in ([], ["--packages", str(index)], [], ["--packages", str(index)]):
        r = same_and_adopted(warm, ["eval", *packages, "--argstr", "p", "hello", str(program)])
        assert r.returncode == (1 if not packages else 0) and (out in r.stdout) == bool(packages), r
        r = same_and_adopted(warm, ["eval", *packages, "--argstr", "p", "redis", str(program)])
        assert r.returncode == 1 and (str(index) in r.stderr) == bool(packages), r


def test_template_not_adopted_with_other_builtins(warm: Servers) -> None:
    probe = "[ (builtins ? currentTime) (builtins ? getFlake) ]"
    r = same_and_adopted(warm, ["eval", "--strict", "--pure-eval", "-E", probe], adopted=False)
    assert r.stdout == "[ false false ]\n"
    r = same_and_adopted(warm, ["eval", "--strict", "--option", "extra-experimental-features", "flakes", "-E", probe],
                         adopted=False)  # fmt: skip
    assert r.stdout == "[ true true ]\n"
    r = same_and_adopted(warm, ["eval", "--strict", "-E", probe])
    assert r.stdout == "[ true false ]\n"


# ---------------------------------------------------------------------------------- signals and a killed client


def _start_long(s: Servers, server: bool) -> subprocess.Popen:
    expr = 'builtins.trace "started" (builtins.foldl\' (a: b: a + b) 0 (builtins.genList (x: x) 50000000))'
    return subprocess.Popen([str(SCRIPT), "eval", "-E", expr], env={**s.env, "PYDOCK_SERVER": "1" if server else "0"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def _wait_started(p: subprocess.Popen) -> str:
    assert p.stderr is not None
    line = p.stderr.readline()
    assert "started" in line, line
    return line


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signals_reach_the_command(warm: Servers, sig: int) -> None:
    results = []
    for server in (True, False):
        before = warm.served()
        p = _start_long(warm, server)
        _wait_started(p)
        p.send_signal(sig)
        out, err = p.communicate(timeout=120)
        if server:
            assert warm.served() == before + 1
        results.append((p.returncode, out, err))
    assert results[0] == results[1]
    assert results[0][0] != 0


def test_killed_client_takes_its_command_along(warm: Servers) -> None:
    p = _start_long(warm, server=True)
    _wait_started(p)
    assert sum(s["children"] for s in warm.status()) == 1
    p.kill()
    p.wait()
    deadline = time.monotonic() + WAIT
    while sum(s["children"] for s in warm.status()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sum(s["children"] for s in warm.status()) == 0


# ---------------------------------------------------------------------------------- versions and fallbacks


def test_an_edited_source_file_means_a_new_server(servers: Servers, tmp_path: Path) -> None:
    # A copy of pydock in the installed layout (pydock/evaluator …), so that editing it changes
    # that copy's key only, not the key of the checkout other tests are using meanwhile.
    copy = tmp_path / "site"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "pydock", copy / "pydock", ignore=ignore)
    for name in ("evaluator", "store", "builders", "grammar"):
        shutil.copytree(REPO / name, copy / "pydock" / name, ignore=ignore)
    servers.command = [sys.executable, "-c", "import sys; sys.argv[0] = 'pydock'; from pydock.launcher import main;"
                       " sys.exit(main())"]  # fmt: skip
    servers.env["PYTHONPATH"] = str(copy)
    servers.cwd = str(tmp_path)  # not the checkout: `python -c` looks for modules in its working directory first
    where = subprocess.run([sys.executable, "-c", "import pydock.evaluator as e; print(e.__file__)"], env=servers.env,
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert where == f"{copy}/pydock/evaluator/__init__.py\n"
    old = servers.wait_up()
    target = copy / "pydock" / "errors.py"
    st = target.stat()
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    r = servers.run(["eval", "-E", "1+1"], server=True)  # the old server is not asked: in-process
    assert r == Ran(0, "2\n", "")
    assert [s["served"] for s in servers.status() if s["key"] == old["key"]] in ([], [old["served"]])
    new = servers.wait_up(exclude_key=old["key"])
    assert new["key"].split("-")[0] == old["key"].split("-")[0] and new["key"] != old["key"]
    deadline = time.monotonic() + WAIT  # the new server stops the old one
    while any(s["key"] == old["key"] for s in servers.status()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [s["key"] for s in servers.status()] == [new["key"]]
    assert same_both_ways(servers, ["eval", "-E", "1+1"], quick=False).stdout == "2\n"  # `python -c`: no quick start


def test_no_usable_socket_directory_runs_in_process(servers: Servers, tmp_path: Path) -> None:
    cases = {
        "unwritable": "/proc/pydock-test",  # mkdir fails
        "not private": str(tmp_path / "open"),
    }
    (tmp_path / "open" / "pydock").mkdir(parents=True)
    os.chmod(tmp_path / "open" / "pydock", 0o755)
    for name, runtime in cases.items():
        env = {"XDG_RUNTIME_DIR": runtime}
        for _ in range(2):
            via = servers.run(["eval", "-E", "1+1"], server=True, env=env)
            assert via == Ran(0, "2\n", ""), name
    assert os.listdir(tmp_path / "open" / "pydock") == []
    # a refused request (here: from a process with another group than the server's) runs in-process too
    servers.wait_up()
    before = servers.served()
    other_group = os.getgid() + 1
    r = servers.run(["eval", "-E", "1+1"], server=True, preexec=lambda: os.setgid(other_group))
    assert r == Ran(0, "2\n", "")
    # asked once (by the quick start; the full program it then starts does not ask again)
    assert servers.served() == before + 1 and "last_refusal" in servers.status()[0]
    assert servers.status()[0]["last_refusal"]


def test_server_off_starts_nothing(servers: Servers) -> None:
    for _ in range(2):
        assert servers.run(["eval", "-E", "1+1"], server=False) == Ran(0, "2\n", "")
    assert not os.path.exists(servers.sockets)


def test_status_lists_the_server(warm: Servers) -> None:
    p = subprocess.run([str(SCRIPT), "server", "status"], env=warm.env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "pid " in p.stdout and "served " in p.stdout


# ---------------------------------------------------------------------------------- the quick start (bin/pydock)


def _hint(s: Servers) -> Path:
    found = sorted(Path(s.sockets).glob("start-*.hint"))
    assert len(found) == 1, found
    return found[0]


def test_the_full_start_leaves_a_hint_the_quick_start_uses(servers: Servers) -> None:
    import marshal

    servers.wait_up()  # the first run finds no hint: the full program runs it and writes one
    hint = _hint(servers)
    assert hint.stat().st_mode & 0o777 == 0o600
    content = marshal.loads(hint.read_bytes())
    assert content["root"] == str(REPO)  # the folder holding the `pydock` package (an editable install)
    assert f"{REPO}/pydock/launcher.py" == os.path.join(content["root"], "pydock", "launcher.py")
    for _ in range(2):
        same_both_ways(servers, ["eval", "-E", "1+1"], quick=True)
    same_both_ways(servers, ["instantiate", "-E", 'derivation { name = "q"; system = "x"; builder = "/b"; }'])


@pytest.mark.parametrize("damage", ["garbage", "no pydock there", "wrong shape", "another module path"])
def test_a_bad_hint_costs_only_the_quick_start(servers: Servers, tmp_path: Path, damage: str) -> None:
    """Whatever the hint says, the command runs as before; the full start then rewrites the hint."""
    import marshal

    servers.wait_up()
    hint = _hint(servers)
    good = hint.read_bytes()
    content = marshal.loads(good)
    if damage == "garbage":
        hint.write_bytes(b"\x00not marshal")
    elif damage == "no pydock there":
        hint.write_bytes(marshal.dumps({**content, "root": str(tmp_path)}))
    elif damage == "wrong shape":
        hint.write_bytes(marshal.dumps({**content, "path": "not a list"}))
    else:  # a module path the server was not started with: another server name, none answers
        hint.write_bytes(marshal.dumps({**content, "path": [*content["path"], str(tmp_path)]}))
    r = same_both_ways(servers, ["eval", "-E", "1+1"], quick=False)  # the full program asked the server
    assert r == Ran(0, "2\n", "")
    assert hint.read_bytes() == good
    same_both_ways(servers, ["eval", "-E", "1+1"], quick=True)


def test_the_quick_start_leaves_no_trace_in_the_command(warm: Servers, tmp_path: Path) -> None:
    """Its variables are gone before the command runs and the program's name stays `pydock`."""
    for name in ("PYDOCK_PROG", "PYDOCK_HINT"):
        for quick in (True, False):  # False: the full program, started by the script as `pydock-python`
            env = {} if quick else {"HOME": str(tmp_path / name)}  # $HOME shapes the module path: no hint yet
            r = same_both_ways(warm, ["eval", "-E", f'builtins.getEnv "{name}"'], quick=quick, env=env)
            assert r.stdout == '""\n', (name, quick)
    r = same_both_ways(warm, ["eval", "--no-such-flag"], env={"HOME": str(tmp_path / "usage")}, quick=False)
    assert r.returncode == 2 and "Usage: pydock eval" in r.stderr
    for args in (["--no-such-flag"], ["server", "--no-such-flag"]):  # not routed: the script runs pydock-python
        r = warm.run(args, server=True)
        assert r.returncode == 2 and "Usage: pydock " in r.stderr and "pydock-python" not in r.stderr, r
    (tmp_path / "links").mkdir()  # called through a link elsewhere (as pipx installs commands)
    (tmp_path / "links" / "pydock").symlink_to(SCRIPT)
    before = warm.served_quick()
    p = subprocess.run([str(tmp_path / "links" / "pydock"), "eval", "--no-such-flag"], env=warm.env,
                       capture_output=True, text=True, timeout=300)  # fmt: skip
    assert p.returncode == 2 and "Usage: pydock eval" in p.stderr and warm.served_quick() == before + 1
    bin_dir = SCRIPT.parent  # called by a relative name, from the folder of the scripts
    p = subprocess.run(["./pydock", "eval", "--no-such-flag"], cwd=bin_dir, env=warm.env, capture_output=True,
                       text=True, timeout=300)  # fmt: skip
    assert p.returncode == 2 and "Usage: pydock eval" in p.stderr


def test_an_interpreter_line_with_options_runs_the_full_program(tmp_path: Path) -> None:
    """A `pydock-python` whose first line is not a bare interpreter path (``env``, options) is run
    as it is, never taken apart into a broken command."""
    shutil.copy(REPO / "bin" / "pydock", tmp_path / "pydock")
    full = tmp_path / "pydock-python"
    program = "import sys\nfrom pydock.launcher import main\nsys.exit(main())\n"
    full.write_text(f"#!/usr/bin/env {sys.executable}\n{program}")
    full.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYDOCK_")}
    env["PYDOCK_SERVER"] = "0"  # the script reads the interpreter line first, whatever the command
    for args, expected in ((["eval", "-E", "1+2"], (0, "3\n")), (["eval", "--no-such-flag"], (2, ""))):
        p = subprocess.run([str(tmp_path / "pydock"), *args], env=env, capture_output=True, text=True, timeout=300)
        assert (p.returncode, p.stdout) == expected, p.stderr
        assert "pydock-python" not in p.stderr
