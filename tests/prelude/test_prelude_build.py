"""Building the prelude's trivial builders with ``pydock build`` gives nixpkgs' output layouts.

``build_cases.nix`` is realised once per session into a private store; each test then checks one
output tree (names, file modes, symlink targets, contents) against the layout nixpkgs documents
for that builder.  Three checks use real Nix as the oracle: it builds the shell-based cases
itself (same output bytes, compared by NAR hash), and it answers the closure queries that
``writeClosure``/``closureInfo`` must reproduce.  Store paths in symlink targets are logical
(``/nix/store/…``); files are read from the store's physical root.
"""

from __future__ import annotations

import os
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from prelude_support import PRELUDE, REPO, eval_json, nix_env, pydock, run

from nix_compat_tests.support import require_tool, unavailable

CASES = Path(__file__).with_name("build_cases.nix")
STORE = "/nix/store"


@dataclass
class Built:
    root: Path  # the store's root directory
    paths: dict[str, str]  # "shell.text" -> logical output path

    def real(self, logical: str) -> Path:
        return self.root / logical.lstrip("/")

    def out(self, name: str) -> Path:
        return self.real(self.paths[name])


_BUILT: list[Built | str] = []


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Everything under `shell` and `builtin` built by pydock (skipped where its sandbox cannot run)."""
    if not _BUILT:
        root = tmp_path_factory.mktemp("pydock-store")
        proc = pydock("build", "--store", str(root), "--no-out-link", str(CASES), "-A", "shell", "-A", "builtin")
        if proc.returncode != 0:
            if "namespaces for the build sandbox" in proc.stderr:
                _BUILT.append(f"pydock's build sandbox is unavailable here: {proc.stderr.strip()}")
            else:
                raise AssertionError(f"pydock build failed:\n{proc.stderr[-4000:]}")
        else:
            expr = f"""let c = import {CASES}; in
              (builtins.mapAttrs (_: d: d.outPath) c.shell) // (builtins.mapAttrs (_: d: d.outPath) c.builtin)
              // {{ mkDoc = c.shell.mk.doc.outPath; }}"""
            _BUILT.append(Built(root, eval_json("pydock", expr, prelude=True)))
    if isinstance(_BUILT[0], str):
        unavailable(_BUILT[0])
    return _BUILT[0]


def tree(path: Path) -> dict[str, tuple]:
    """``{relative path: ("d", mode) | ("f", mode, bytes) | ("l", target)}``, the root as "."."""
    out: dict[str, tuple] = {}

    def entry(p: Path) -> tuple:
        st = p.lstat()
        mode = stat.S_IMODE(st.st_mode)
        if stat.S_ISLNK(st.st_mode):
            return ("l", os.readlink(p))
        if stat.S_ISDIR(st.st_mode):
            return ("d", mode)
        return ("f", mode, p.read_bytes())

    out["."] = entry(path)
    if path.is_dir() and not path.is_symlink():
        for dirpath, dirnames, filenames in os.walk(path):
            for name in dirnames + filenames:
                p = Path(dirpath, name)
                out[str(p.relative_to(path))] = entry(p)
    return out


D, X, R = ("d", 0o555), 0o555, 0o444  # directory, executable file, plain file modes in the store


def f(content: str, mode: int = R) -> tuple:
    return ("f", mode, content.encode())


# -- files from strings --------------------------------------------------------------------------


def test_write_text(built: Built) -> None:
    assert tree(built.out("text")) == {".": f("hello\n")}


def test_write_text_file_destination_executable(built: Built) -> None:
    assert tree(built.out("textFile")) == {".": D, "share": D, "share/tf": f("x\n", X)}


def test_write_text_dir(built: Built) -> None:
    assert built.paths["textDir"].endswith("-a.conf")
    assert tree(built.out("textDir")) == {".": D, "etc": D, "etc/conf.d": D, "etc/conf.d/a.conf": f("a=1")}


def test_write_script_and_bin(built: Built) -> None:
    assert tree(built.out("script")) == {".": f("echo script", X)}
    assert tree(built.out("greet")) == {".": D, "bin": D, "bin/greet": f("#!/bin/sh\necho hi\n", X)}


def test_write_shell_script_runs_with_runtime_shell(built: Built) -> None:
    script = built.out("shellScript")
    assert tree(script) == {".": f('#!/bin/bash\necho "ran $0"\n', X)}
    assert tree(built.out("shellScriptBin")) == {".": D, "bin": D, "bin/ssb": f("#!/bin/bash\necho ssb\n", X)}
    ran = subprocess.run([str(script)], capture_output=True, text=True, check=True)
    assert ran.stdout == f"ran {script}\n"


def test_write_shell_application(built: Built) -> None:
    greet = built.paths["greet"]
    text = (
        "#!/bin/bash\nset -o errexit\nset -o nounset\nset -o pipefail\n"
        f"MODE='a b'\nexport MODE\n\nexport PATH=\"{greet}/bin:$PATH\"\n\ngreet\n"
    )
    assert tree(built.out("app")) == {".": D, "bin": D, "bin/app": f(text, X)}


def test_concat_text_file(built: Built) -> None:
    assert tree(built.out("concat")) == {".": D, "share": D, "share/cat": f("hello\nhello\n")}


# -- shell builds ----------------------------------------------------------------------------------


def test_run_command_environment(built: Built) -> None:
    assert tree(built.out("run")) == {
        ".": D,
        "foo": f("bar\n"),
        "epoch": f("315532800\n"),  # nixpkgs' SOURCE_DATE_EPOCH
        "path": f("/usr/bin:/bin\n"),  # the host's tools (README, "Impurities")
    }


def test_mk_derivation_phases_and_outputs(built: Built) -> None:
    lines = (REPO / "tests/prelude/called_pkg.nix").read_text().count("\n")
    assert tree(built.out("mk")) == {".": D, "lines": f(f"{lines}\n")}
    assert tree(built.out("mkDoc")) == {".": D, "README": f("doc\n")}


def test_mk_derivation_unpacks_sources(built: Built) -> None:
    assert tree(built.out("fromTarball")) == {".": D, "root": f("pkg-1.0\n"), "file": f("payload\n")}
    assert tree(built.out("fromDirectory")) == {".": D, "listing": f("called_pkg.nix\n"), "last": f("built\n")}


def test_structured_attrs_run_command(built: Built) -> None:
    assert tree(built.out("structured")) == {".": f("a b\nc\n")}


# -- symlink trees -------------------------------------------------------------------------------


def test_symlink_join_is_lndir(built: Built) -> None:
    """Directories real, files symlinked, symlinks copied; on a clash the first path wins."""
    p = built.paths
    docs = p["docs"]
    assert tree(built.out("join")) == {
        ".": D,
        "bin": D,
        "bin/greet": ("l", f"{p['greet']}/bin/greet"),
        "bin/tool": ("l", f"{p['toolA']}/bin/tool"),
        "lib": D,
        "lib/log": ("l", f"{docs}/lib/log"),
        "lib/share-link": ("l", "../share"),
        "nix-support": D,
        "nix-support/propagated-user-env-packages": ("l", f"{docs}/nix-support/propagated-user-env-packages"),
        "nix-support/setup-hook": ("l", f"{docs}/nix-support/setup-hook"),
        "post": f("post\n"),
        "share": D,
        "share/doc": D,
        "share/doc/docs": D,
        "share/doc/docs/README": ("l", f"{docs}/share/doc/docs/README"),
        "share/doc/docs/README.link": ("l", "README"),
        "share/info": D,
        "share/info/dir": ("l", f"{docs}/share/info/dir"),
    }


def test_symlink_join_strip_prefix_skips_missing(built: Built) -> None:
    assert tree(built.out("joinStrip")) == {".": D, "greet": ("l", f"{built.paths['greet']}/bin/greet")}


def test_link_farm(built: Built) -> None:
    p = built.paths
    assert tree(built.out("farmList")) == {".": D, "a": D, "a/b": ("l", p["text"]), "c": ("l", p["app"])}
    assert tree(built.out("farmSet")) == {
        ".": D,
        "x": ("l", p["text"]),
        "y": D,
        "y/z": ("l", f"{p['greet']}/bin/greet"),
    }


# -- buildEnv --------------------------------------------------------------------------------------


def test_build_env_links_whole_directories_and_propagated_packages(built: Built) -> None:
    """A directory only one package has is one symlink; `tool` comes from `docs`' propagated toolB."""
    p = built.paths
    assert tree(built.out("env")) == {
        ".": D,
        "bin": D,
        "bin/app": ("l", f"{p['app']}/bin/app"),
        "bin/greet": ("l", f"{p['greet']}/bin/greet"),
        "bin/tool": ("l", f"{p['toolB']}/bin/tool"),
        "lib": ("l", f"{p['docs']}/lib"),
        "share": ("l", f"{p['docs']}/share"),
    }


def test_build_env_paths_to_link(built: Built) -> None:
    p = built.paths
    assert tree(built.out("envBin")) == {
        ".": D,
        "bin": D,
        "bin/app": ("l", f"{p['app']}/bin/app"),
        "bin/greet": ("l", f"{p['greet']}/bin/greet"),
        "bin/tool": ("l", f"{p['toolB']}/bin/tool"),
        "share": D,
        "share/doc": D,
        "share/doc/docs": ("l", f"{p['docs']}/share/doc/docs"),
    }


def test_build_env_merges_directories_and_skips_housekeeping_files(built: Built) -> None:
    """Shared directories are merged; `share/info/dir` is never linked; a propagated package
    (toolB, from docs) loses against an explicit one (toolA)."""
    p = built.paths
    assert tree(built.out("envMerge")) == {
        ".": D,
        "bin": D,
        "bin/tool": ("l", f"{p['toolA']}/bin/tool"),
        "lib": ("l", f"{p['docs']}/lib"),
        "share": D,
        "share/doc": ("l", f"{p['docs']}/share/doc"),
        "share/info": D,
        "share/info/other": ("l", f"{p['infoOther']}/share/info/other"),
    }


def test_build_env_collision_rules(built: Built) -> None:
    p = built.paths
    same = {".": D, "bin": D, "bin/tool": ("l", f"{p['toolA']}/bin/tool")}
    assert tree(built.out("envSameContents")) == same  # identical files: no collision, first kept
    assert tree(built.out("envIgnore")) == same  # ignoreCollisions: first kept
    assert tree(built.out("envPriority")) == {".": D, "bin": D, "bin/tool": ("l", f"{p['toolB']}/bin/tool")}


def test_build_env_prefix_and_manifest(built: Built) -> None:
    p = built.paths
    assert tree(built.out("envPrefix")) == {
        ".": D,
        "manifest": ("l", p["text"]),
        "opt": D,
        "opt/x": D,
        "opt/x/bin": ("l", f"{p['greet']}/bin"),
    }


def test_build_env_include_closures(built: Built) -> None:
    p = built.paths
    assert tree(built.out("envClosures")) == {
        ".": D,
        "bin": D,
        "bin/app": ("l", f"{p['app']}/bin/app"),
        "bin/greet": ("l", f"{p['greet']}/bin/greet"),
    }


def test_build_env_post_build(built: Built) -> None:
    p = built.paths
    assert tree(built.out("envPost")) == {
        ".": D,
        "post": f("post\n"),
        "usr": D,
        "usr/bin": D,
        "usr/bin/greet": ("l", f"{p['greet']}/bin/greet"),
        "usr/bin/tool": ("l", f"{p['toolB']}/bin/tool"),
        "usr/lib": ("l", f"{p['docs']}/lib"),
        "usr/share": ("l", f"{p['docs']}/share"),
    }


@pytest.mark.parametrize(
    ("attr", "fragments"),
    [
        (
            "envCollision",
            [
                "pkgs.buildEnv error: two given paths contain a conflicting subpath:",
                "`{toolB}/bin/tool' and",
                "`{toolA}/bin/tool'",
                "hint: this may be caused by two different versions of the same package in buildEnv's",
            ],
        ),
        ("envNotDir", ["pkgs.buildEnv error: The store path {text} is a file and can't be merged into an environment"]),
    ],
)
def test_build_env_errors(built: Built, attr: str, fragments: list[str]) -> None:
    proc = pydock("build", "--store", str(built.root), "--no-out-link", str(CASES), "-A", f"failing.{attr}")
    assert proc.returncode == 1
    for fragment in fragments:
        assert fragment.format(**built.paths) in proc.stderr


# -- closures (real Nix answers the queries, reading pydock's store) -------------------------------


def _nix_query(built: Built, *args: str) -> list[str]:
    proc = run([require_tool("nix-store"), "--store", f"local?root={built.root}", "-q", *args], nix_env())
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_write_closure_and_direct_references(built: Built) -> None:
    p = built.paths
    closure = sorted(_nix_query(built, "-R", p["app"], p["text"]))
    assert built.out("closure").read_text() == "".join(x + "\n" for x in closure)
    refs = sorted(_nix_query(built, "--references", p["app"]))
    assert built.out("directRefs").read_text() == "".join(x + "\n" for x in refs)


def test_closure_info(built: Built) -> None:
    p = built.paths
    closure = sorted(_nix_query(built, "-R", p["app"], p["text"]))
    out = built.out("closureInfo")
    assert sorted(os.listdir(out)) == ["registration", "store-paths", "total-nar-size"]
    assert (out / "store-paths").read_text() == "".join(x + "\n" for x in closure)
    expected: list[str] = []
    total = 0
    for path in closure:
        size = int(_nix_query(built, "--size", path)[0])
        refs = sorted(_nix_query(built, "--references", path))
        expected += [path, _nix_query(built, "--hash", path)[0], str(size), "", str(len(refs)), *refs]
        total += size
    assert (out / "registration").read_text() == "".join(x + "\n" for x in expected)
    assert (out / "total-nar-size").read_text() == f"{total}\n"


def test_closure_info_empty(built: Built) -> None:
    assert tree(built.out("closureInfoEmpty")) == {
        ".": D,
        "registration": f(""),
        "store-paths": f(""),
        "total-nar-size": f("0\n"),
    }


def test_real_nix_builds_the_same_outputs(built: Built, tmp_path: Path) -> None:
    """Real Nix builds the shell-based cases from the same prelude: same paths, same NAR hashes."""
    nix_root = tmp_path / "nix-store"
    cmd = [require_tool("nix-build"), "--store", f"local?root={nix_root}", "--no-out-link"]
    proc = run([*cmd, "-I", f"nixpkgs={PRELUDE}", str(CASES), "-A", "shell"], nix_env())
    assert proc.returncode == 0, proc.stderr[-4000:]
    outputs = proc.stdout.split()
    assert set(outputs) == {v for k, v in built.paths.items() if k != "mkDoc"} & set(outputs)
    assert len(outputs) >= 20
    for path in outputs:
        ours = run(["nix-store", "--store", f"local?root={built.root}", "-q", "--hash", path], nix_env())
        theirs = run(["nix-store", "--store", f"local?root={nix_root}", "-q", "--hash", path], nix_env())
        assert ours.returncode == theirs.returncode == 0, (path, ours.stderr, theirs.stderr)
        assert ours.stdout == theirs.stdout, path
