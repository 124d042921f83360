"""Real binary caches made by real Nix, for substitution tests (session-scoped, reusable).

``make_binary_caches(workdir)`` builds a few store paths with ``nix-build`` from
Debian's static binaries (``/bin/busybox``, ``/bin/bash-static``), with
references between them so closures are three deep:

    app ──► tools ──► bash
     │        └─────► busybox
     └──────────────► busybox

signs them with a key from ``nix-store --generate-binary-cache-key`` and
copies them with ``nix copy --to file://DIR?compression=…`` into one cache per
compression (xz, zstd, bzip2, none).  ``serve`` runs ``python3 -m http.server``
on 127.0.0.1 over the caches' parent directory, so each cache is also at
``http://127.0.0.1:PORT/<compression>``.

A further derivation (``built``) is built and copied too: tests instantiate the
same expression with pydock (same ``.drv`` path, since pydock is Nix-exact) and
check that ``pydock build`` fetches its output instead of building it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nix_compat_tests.support import require_file, require_tools

NIX_FLAGS = ["--option", "substituters", "", "--option", "require-sigs", "false"]
COMPRESSIONS = ("xz", "zstd", "bzip2", "none")

# One tag per fixture version; bump it to force fresh paths if the expression changes.
TAG = "pydock-subst-v1"

EXPRESSION = f"""
let
  sys = builtins.currentSystem;
  mk = name: script: derivation {{
    name = "{TAG}-${{name}}";
    system = sys;
    builder = "/bin/sh";
    args = [ "-c" script ];
  }};
in rec {{
  busybox = mk "busybox" "/bin/busybox mkdir -p $out/bin && /bin/busybox cp /bin/busybox $out/bin/busybox";
  bash = mk "bash" "/bin/busybox mkdir -p $out/bin && /bin/busybox cp /bin/bash-static $out/bin/bash";
  tools = mk "tools" ''
    /bin/busybox mkdir -p $out/bin
    /bin/busybox printf '#!${{bash}}/bin/bash\\n${{busybox}}/bin/busybox echo hello from tools\\n' > $out/bin/hello
    /bin/busybox chmod +x $out/bin/hello
    /bin/busybox ln -s ${{busybox}}/bin/busybox $out/bin/sh
  '';
  app = mk "app" ''
    /bin/busybox mkdir -p $out/bin $out/share
    /bin/busybox printf '#!${{tools}}/bin/sh\\nexec ${{tools}}/bin/hello\\n' > $out/bin/app
    /bin/busybox chmod +x $out/bin/app
    /bin/busybox echo ${{busybox}} > $out/share/uses
  '';
  built = mk "built" "/bin/busybox echo built by nix > $out";
}}
"""
"""Attribute set of the test packages; also evaluated by pydock in the tests."""

ATTRS = ("busybox", "bash", "tools", "app", "built")


def run(*cmd: str, cwd: str | None = None) -> str:
    p = subprocess.run(list(cmd), capture_output=True, text=True, cwd=cwd)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{p.stderr}")
    return p.stdout


@dataclass
class BinaryCaches:
    """The caches and what they hold."""

    workdir: Path
    paths: dict[str, str]
    """Attribute name -> store path in /nix/store."""
    drv_paths: dict[str, str]
    closures: dict[str, set[str]]
    """Attribute name -> ``nix-store -qR`` of its path in /nix/store."""
    public_key: str
    secret_key_file: Path
    dirs: dict[str, Path] = field(default_factory=dict)
    """Compression -> cache directory."""
    expression_file: Path | None = None

    def file_uri(self, compression: str = "xz") -> str:
        return f"file://{self.dirs[compression]}"

    def copy_cache(self, compression: str, dest: Path) -> Path:
        """A private copy of one cache, for tests that damage it."""
        shutil.copytree(self.dirs[compression], dest)
        return dest


def make_binary_caches(workdir: Path) -> BinaryCaches:
    """Build, sign and copy the test paths (see the module docstring)."""
    nix_build = require_tools("nix-build", "nix-store", "nix")["nix-build"]
    require_file("/bin/busybox", "busybox-static")
    require_file("/bin/bash-static", "bash-static")
    workdir.mkdir(parents=True, exist_ok=True)
    expr = workdir / "packages.nix"
    expr.write_text(EXPRESSION)
    paths: dict[str, str] = {}
    drvs: dict[str, str] = {}
    for attr in ATTRS:
        drvs[attr] = run("nix-instantiate", *NIX_FLAGS, str(expr), "-A", attr).strip()
    out = run(nix_build, *NIX_FLAGS, "--no-out-link", str(expr), *[a for attr in ATTRS for a in ("-A", attr)])
    for attr, p in zip(ATTRS, out.split(), strict=True):
        paths[attr] = p
    closures = {attr: set(run("nix-store", "-qR", p).split()) for attr, p in paths.items()}
    sk, pk = workdir / "secret.key", workdir / "public.key"
    run("nix-store", "--generate-binary-cache-key", "pydock-test-1", str(sk), str(pk))
    caches = BinaryCaches(workdir, paths, drvs, closures, pk.read_text().strip(), sk, expression_file=expr)
    for comp in COMPRESSIONS:
        d = workdir / "caches" / comp
        run(
            "nix",
            "--extra-experimental-features",
            "nix-command",
            "copy",
            "--to",
            f"file://{d}?compression={comp}&secret-key={sk}",
            *paths.values(),
        )
        caches.dirs[comp] = d
    return caches


class HttpServer:
    """``python3 -m http.server`` on 127.0.0.1 (an ephemeral port) serving ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(directory)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # "Serving HTTP on 127.0.0.1 port N (http://127.0.0.1:N/) ..."
        if "port" not in line:
            self.proc.kill()
            raise AssertionError(f"http.server did not start: {line!r}")
        self.port = int(line.split(" port ")[1].split()[0])
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


# ---------------------------------------------------------------------------------------------
# Checking a pydock store with real Nix


def isolated_env(tmp: Path) -> dict[str, str]:
    """An environment where neither the host's nor the user's Nix/pydock config leaks into a test."""
    env = dict(os.environ)
    conf = tmp / "isolated-config"
    (conf / "nix").mkdir(parents=True, exist_ok=True)
    env.update(XDG_CONFIG_HOME=str(conf), XDG_CONFIG_DIRS=str(conf), NIX_CONF_DIR=str(conf / "nix"))
    env.pop("NIX_CONFIG", None)
    env.pop("NIX_USER_CONF_FILES", None)
    return env


def pydock(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pydock.cli", *args], capture_output=True, text=True, env=env, cwd=cwd)


def valid_paths(root: Path) -> set[str]:
    """Every path real Nix considers valid in the store at ``root``."""
    db = root / "nix/var/nix/db/db.sqlite"
    if not db.exists():
        return set()
    import sqlite3

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("select path from ValidPaths")}
    finally:
        conn.close()


def nix_verify(root: Path) -> None:
    """``nix-store --verify --check-contents`` on pydock's store must find nothing wrong."""
    p = subprocess.run(
        ["nix-store", "--store", f"local?root={root}", "--verify", "--check-contents"], capture_output=True, text=True
    )
    assert p.returncode == 0, p.stderr
    assert "error" not in p.stderr and "modified" not in p.stderr and "disappeared" not in p.stderr, p.stderr


def nix_closure(root: Path, path: str) -> set[str]:
    return set(run("nix-store", "--store", f"local?root={root}", "-qR", path).split())


def assert_nothing_left(root: Path, paths: set[str]) -> None:
    """None of ``paths`` is valid, none has a file in the store, no temporary directory remains; Nix agrees."""
    assert not (valid_paths(root) & paths)
    real = root / "nix/store"
    if real.exists():
        names = set(os.listdir(real))
        assert not {os.path.basename(p) for p in paths} & names, names
        assert not [n for n in names if n.startswith(".pydock-tmp-")], names
        nix_verify(root)
