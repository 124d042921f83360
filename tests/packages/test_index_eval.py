"""Index packages evaluate to what real Nix says the same nixpkgs-shaped directory evaluates to.

Oracle: ``nix-instantiate --eval --strict --json`` on ``fake_nixpkgs`` (the
directory the index was made from); pydock evaluates the same probe against the
index with its prelude as ``<nixpkgs>``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from packages_support import FAKE_NIXPKGS, REPO, FakeIndex, nix_env, nix_eval_json, run

from nix_compat_tests.nixpkgs_reference import LIB, nixpkgs_file
from nix_compat_tests.support import require_tool

# `pkgs` and `lib` are bound differently for the two evaluators; the probe is the same text.
PROBE = """
let
  pkgs = PKGS;
  lib = LIB;
  show = p: { inherit (p) name outPath outputName; };
in {
  packages = map show (with pkgs; [ hello bash bashInteractive coreutils cacert shadow busybox
    python3Packages.requests python3Packages.idna pkgsStatic.busybox stdenv.cc.cc ]);
  outputs = map (o: show pkgs.hello.${o}) [ "out" "dev" "lib" "bin" ];
  outputSpecified = [ (pkgs.hello ? outputSpecified) pkgs.hello.dev.outputSpecified ];
  chained = [ pkgs.hello.dev.lib.bin.outPath pkgs.shadow.su.out.outPath ];
  all = builtins.sort builtins.lessThan (map (p: p.outPath) pkgs.hello.all);
  outputNames = builtins.sort builtins.lessThan pkgs.hello.outputs;
  meta = [ pkgs.hello.meta pkgs.bash.meta pkgs.python3Packages.requests.meta ];
  versions = [ pkgs.hello.version pkgs.hello.system pkgs.busybox.version ];
  types = [ pkgs.hello.type (lib.isDerivation pkgs.hello) (lib.isDerivation pkgs.hello.lib) ];
  interpolated = [ "${pkgs.bash}/bin/bash" (toString pkgs.hello) "${pkgs.shadow.su}" ];
  getters = map (p: p.outPath) [ (lib.getBin pkgs.hello) (lib.getLib pkgs.hello) (lib.getDev pkgs.hello)
    (lib.getBin pkgs.hello.dev) (lib.getDev pkgs.bash) (lib.getLib pkgs.stdenv.cc.cc) ];
  searchPaths = [ (lib.makeBinPath [ pkgs.hello pkgs.bash pkgs.coreutils ])
    (lib.makeLibraryPath [ pkgs.hello pkgs.stdenv.cc.cc ]) ];
  exe = lib.getExe pkgs.busybox;
}
"""


def reference_lib() -> Path:
    """Real nixpkgs' lib (the oracle for getBin & co.), where the other nixpkgs oracles are found."""
    return nixpkgs_file(LIB)


def pydock_json(fake: FakeIndex, expr: str, *flags: str) -> object:
    proc = fake.pydock("eval", "--strict", "--json", "--packages", str(fake.index), *flags, "-E", expr)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_probe_matches_real_nix(fake: FakeIndex) -> None:
    lib = reference_lib()
    expected = nix_eval_json(PROBE.replace("PKGS", f"import {FAKE_NIXPKGS} {{ }}").replace("LIB", f"import {lib}"))
    got = pydock_json(fake, PROBE.replace("PKGS", "import <nixpkgs> { }").replace("LIB", "pkgs.lib"))
    assert got == expected


def test_prelude_lib_getters_match_nixpkgs_lib(fake: FakeIndex) -> None:
    """The prelude's own lib gives what nixpkgs' lib gives on index packages (pydock on both sides)."""
    lib = reference_lib()
    probe = PROBE.replace("PKGS", "import <nixpkgs> { }")
    assert pydock_json(fake, probe.replace("LIB", "pkgs.lib")) == pydock_json(
        fake, probe.replace("LIB", f"import {lib}")
    )


def test_context_and_input_srcs_are_the_plain_store_path(fake: FakeIndex) -> None:
    """A derivation using an index package gets its path as an input source, exactly as with builtins.storePath."""
    hello, bash = fake.out("hello"), fake.out("bash")
    body = 'derivation {{ name = "uses"; system = "x86_64-linux"; builder = "{bash}/bin/bash"; hello = {hello}; }}'
    ours = body.format(bash="${pkgs.bash}", hello='"${pkgs.hello.bin}/bin/hello"')
    theirs = body.format(
        bash=f"${{builtins.storePath {bash}}}", hello=f'"${{builtins.storePath {fake.out("hello", "bin")}}}/bin/hello"'
    )
    got = pydock_json(
        fake,
        f'let pkgs = import <nixpkgs> {{ }}; d = {ours}; in [ d.drvPath (builtins.getContext "${{pkgs.hello}}") ]',
    )
    context = f'builtins.getContext "${{builtins.storePath {hello}}}"'
    expected = nix_eval_json(f"let d = {theirs}; in [ d.drvPath ({context}) ]")
    assert got == expected


def test_prelude_definitions_win_and_index_fills_nested_sets(fake: FakeIndex) -> None:
    got = pydock_json(
        fake,
        "let pkgs = import <nixpkgs> { }; in [ (builtins.isFunction pkgs.stdenv.mkDerivation) pkgs.stdenv.shell "
        "pkgs.stdenv.cc.cc.lib.outPath (builtins.isFunction pkgs.pkgsStatic.writeText) "
        "pkgs.pkgsStatic.busybox.outPath (builtins.attrNames pkgs.python3Packages) "
        "(builtins.isFunction pkgs.writeText) pkgs.fakeNss.name ]",
    )
    assert got == [
        True,
        f"{fake.out('bash')}/bin/bash",
        fake.out("stdenv.cc.cc", "lib"),
        True,
        fake.out("pkgsStatic.busybox"),
        sorted(k.split(".")[1] for k in fake.entries if k.startswith("python3Packages.")),
        True,
        "fake-nss",
    ]


def test_overlays_and_callpackage_see_index_packages(fake: FakeIndex, tmp_path: Path) -> None:
    (tmp_path / "pkg.nix").write_text("{ hello, bash, lib }: [ hello.outPath bash.name (lib.getBin hello).outPath ]")
    got = pydock_json(
        fake,
        'let pkgs = import <nixpkgs> { overlays = [ (self: super: { bash = super.bash // { name = "mine"; }; }) ]; };'
        f" in pkgs.callPackage {tmp_path / 'pkg.nix'} {{ }}",
    )
    assert got == [fake.out("hello"), "mine", fake.out("hello", "bin")]


@pytest.mark.parametrize("attr", ["drvPath", "drvAttrs", "override", "overrideAttrs", "overrideDerivation"])
def test_rebuilding_an_index_package_is_an_error(fake: FakeIndex, attr: str) -> None:
    proc = fake.pydock("eval", "--packages", str(fake.index), "-E", f"(import <nixpkgs> {{ }}).hello.dev.{attr}")
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: 'hello' comes prebuilt from the package index and cannot be rebuilt")
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("with_index", [False, True])
def test_missing_package_keeps_nix_error_and_adds_hint(fake: FakeIndex, with_index: bool) -> None:
    flags = ["--packages", str(fake.index)] if with_index else []
    # real Nix's own message for a missing attribute is the first line
    oracle = run([require_tool("nix-instantiate"), "--eval", "-E", "({ a = 1; }).redis"], nix_env())
    assert oracle.returncode == 1
    for expr in ["(import <nixpkgs> { }).redis", "with import <nixpkgs> { }; redis"]:
        proc = fake.pydock("eval", *flags, "-E", expr)
        assert proc.returncode == 1
        first = proc.stderr.splitlines()[0]
        if expr.startswith("with"):
            assert first == "error: undefined variable 'redis'"
        else:
            assert first == oracle.stderr.splitlines()[0]
        hint = proc.stderr.splitlines()[-1]
        assert hint.startswith("hint: 'redis' is ")
        assert (str(fake.index) in hint) == with_index
        assert ("--packages" in hint) == (not with_index)


def test_environment_variable_names_the_index(fake: FakeIndex) -> None:
    proc = fake.pydock(
        "eval", "-E", "(import <nixpkgs> { }).hello.name", env=fake.pydock_env(PYDOCK_PACKAGES=str(fake.index))
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == json.dumps(fake.entries["hello"]["name"])


def test_builtins_gain_no_names(fake: FakeIndex) -> None:
    """The index reaches the prelude without a new builtin (Nix-compat tests compare `builtins`)."""
    expr = "builtins.attrNames builtins"
    with_index = pydock_json(fake, f"let p = import <nixpkgs> {{ }}; in builtins.seq p.hello.outPath ({expr})")
    proc = fake.pydock("eval", "--strict", "--json", "-E", expr)
    assert proc.returncode == 0, proc.stderr
    assert with_index == json.loads(proc.stdout)
    assert not [n for n in with_index if "ackage" in n or "index" in n.lower()]


def test_callpackage_missing_argument_hint(fake: FakeIndex) -> None:
    """callPackage's abort keeps nixpkgs' wording; the hint names the index when one is given."""
    expr = "with import <nixpkgs> { }; callPackage ({ redis }: redis) { }"
    prelude = REPO / "evaluator" / "prelude"
    nix = run([require_tool("nix-instantiate"), "-I", f"nixpkgs={prelude}", "--eval", "-E", expr], nix_env())
    assert nix.returncode == 1
    plain = fake.pydock("eval", "-E", expr)
    assert plain.returncode == 1
    assert plain.stderr == nix.stderr
    assert "hint: 'redis' is not in pydock's prelude; give a package index with --packages" in plain.stderr
    indexed = fake.pydock("eval", "--packages", str(fake.index), "-E", expr)
    assert indexed.returncode == 1
    assert f"hint: 'redis' is neither in pydock's prelude nor in the package index '{fake.index}'" in indexed.stderr
