"""Builtins newer than Nix 2.8 (see nix_compat_tests/intended_differences.toml).

Nix 2.8 cannot run these builtins, so wherever it can compute the same answer another way it is
still the oracle: ``readFileType`` against 2.8's ``readDir``, ``convertHash`` against 2.8's
``nix hash to-*``, ``addDrvOutputDependencies`` against the context 2.8 gives ``drvPath``, and
a ``lib.fileset``-style source filter against 2.8's ``builtins.path`` with the same selection.
The rest is checked against the semantics of current Nix's language suite (NixOS/nix
``tests/functional/lang`` at 88b09c64) and manual, cited per test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nixdiff import Nix, nix_str

ALGOS = ["md5", "sha1", "sha256", "sha512"]


def pydock(*args: str, cwd: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pydock.cli", "eval", *args], capture_output=True, text=True, cwd=cwd, env=env
    )


def ours_json(expr: str, *flags: str) -> object:
    r = pydock("--strict", "--json", *flags, "-E", expr)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def ours_error(expr: str, *flags: str) -> str:
    r = pydock("--strict", *flags, "-E", expr)
    assert r.returncode == 1, r.stdout
    assert "Traceback" not in r.stderr
    return r.stderr.splitlines()[0]


# ------------------------------------------------------------------ readFileType


def test_read_file_type_agrees_with_nix_2_8_read_dir(nix: Nix, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    (tmp_path / "dir").mkdir()
    os.symlink("file", tmp_path / "link")
    os.symlink("dir", tmp_path / "dirlink")
    os.mkfifo(tmp_path / "fifo")
    want = json.loads(nix.json(f"builtins.readDir {tmp_path}"))
    names = sorted(want)
    got = ours_json(f"map (n: builtins.readFileType ({tmp_path} + \"/${{n}}\")) {json.dumps(names)}".replace(",", " "))
    assert got == [want[n] for n in names]
    assert set(got) == {"regular", "directory", "symlink", "unknown"}


def test_read_file_type_of_a_missing_path() -> None:
    assert ours_error('builtins.readFileType "/surely/not/here"') == (
        "error: getting status of '/surely/not/here': No such file or directory"
    )


# ------------------------------------------------------------------ convertHash


@pytest.mark.parametrize("algo", ALGOS)
def test_convert_hash_agrees_with_nix_hash(nix: Nix, algo: str) -> None:
    hex_ = json.loads(nix.json(f'builtins.hashString "{algo}" "pydock"'))
    nix_cli = shutil.which("nix")
    assert nix_cli is not None, "Debian's nix-bin provides `nix`"

    def nix_hash_to(fmt: str) -> str:
        out = subprocess.run(
            [nix_cli, "--extra-experimental-features", "nix-command", "hash", f"to-{fmt}", "--type", algo, hex_],
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    want = {"base16": hex_, "nix32": nix_hash_to("base32"), "base64": nix_hash_to("base64"), "sri": nix_hash_to("sri")}
    sri = want["sri"]
    for fmt, expected in want.items():
        # the algorithm from hashAlgo, from an `algo:` prefix, or from an SRI hash
        for source in (
            f'{{ hash = "{hex_}"; hashAlgo = "{algo}"; toHashFormat = "{fmt}"; }}',
            f'{{ hash = "{algo}:{want["nix32"]}"; toHashFormat = "{fmt}"; }}',
            f'{{ hash = "{sri}"; toHashFormat = "{fmt}"; }}',
        ):
            assert ours_json(f"builtins.convertHash {source}") == expected, source


def test_convert_hash_base32_is_a_deprecated_alias() -> None:
    """rl-2.24.md: "base32" still works, with a warning; suite eval-okay-convertHash.err.exp."""
    expr = 'builtins.convertHash { hash = "sha1:2jmj7l5rSw0yVb/vlWAYkK/YBwk="; toHashFormat = "base32"; }'
    r = pydock("--strict", "-E", expr)
    assert r.stdout.strip() == '"143xibwh31h9bvxzalr0sjvbbvpa6ffs"'
    assert r.stderr == 'warning: "base32" is a deprecated alias for hash format "nix32".\n'


def test_convert_hash_errors() -> None:
    assert ours_error('builtins.convertHash { hash = "abc"; toHashFormat = "sri"; }') == (
        "error: hash 'abc' does not include a type, nor is the type otherwise known from context"
    )
    assert ours_error('builtins.convertHash { hash = "sha256:abc"; toHashFormat = "hex"; }').startswith(
        "error: unknown hash format 'hex'"
    )


# ------------------------------------------------------------------ blake3 (rl-2.27.md)

BLAKE3 = ["--extra-experimental-features", "blake3-hashes"]


def test_blake3_hash_string_and_convert_hash() -> None:
    """The digests of Nix's own unit tests (src/libutil-tests/hash.cc, "abc" and the IETF
    draft's "IETF"); convertHash moves between every form, the algorithm read from the prefix."""
    abc = "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
    ietf = "83a2de1ee6f4e6ab686889248f4ec0cf4cc5709446a682ffd1cbb4d6165181e2"
    got = ours_json('map (builtins.hashString "blake3") [ "abc" "IETF" ]', *BLAKE3)
    assert got == [abc, ietf]
    sri = ours_json(f'builtins.convertHash {{ hash = "{abc}"; hashAlgo = "blake3"; toHashFormat = "sri"; }}', *BLAKE3)
    assert isinstance(sri, str) and sri.startswith("blake3-")
    back = ours_json(
        f'map (f: builtins.convertHash {{ hash = builtins.convertHash {{ hash = "{sri}"; toHashFormat = f; }};'
        ' hashAlgo = "blake3"; toHashFormat = "base16"; }) [ "nix32" "base64" "sri" "base16" ]',
        *BLAKE3,
    )
    assert back == [abc] * 4


def test_blake3_hash_file_of_many_chunks(tmp_path: Path) -> None:
    """A 2049-byte file (three chunks: a parent node over a subtree) against the BLAKE3
    specification's test vector for that input (bytes i % 251)."""
    (tmp_path / "f").write_bytes(bytes(i % 251 for i in range(2049)))
    got = ours_json(f'builtins.hashFile "blake3" {tmp_path}/f', *BLAKE3)
    assert got == "5f4d72f40d7a5f82b15ca2b2e44b1de3c2ef86c426c95c1af0b6879522563030"


@pytest.mark.parametrize(
    "expr",
    [
        'builtins.hashString "blake3" "abc"',
        'builtins.hashFile "blake3" /dev/null',
        'builtins.convertHash { hash = "x"; hashAlgo = "blake3"; toHashFormat = "sri"; }',
        'builtins.convertHash { hash = "blake3-ZDezrDhGUTP/tjt1JzqNtUjFWEZdedsD/TWcbNW9nYU="; toHashFormat = "sri"; }',
    ],
)
def test_blake3_needs_its_feature(expr: str) -> None:
    """Current Nix parses the name "blake3" only with ``blake3-hashes`` on, and names the
    feature otherwise (src/libutil/hash.cc, parseHashAlgoOpt)."""
    assert ours_error(expr) == (
        "error: experimental Nix feature 'blake3-hashes' is disabled; "
        "use '--extra-experimental-features blake3-hashes' to override"
    )


# ------------------------------------------------------------------ warn, break, traceVerbose


def test_warn_prints_and_returns_its_second_argument() -> None:
    """Suite eval-okay-warn-indentation{,2}: continuation lines line up under the message."""
    r = pydock("--strict", "-E", 'builtins.warn "foo\\nbar" [ 1 ]')
    assert (r.returncode, r.stdout, r.stderr) == (0, "[ 1 ]\n", "evaluation warning: foo\n                    bar\n")
    r = pydock("--strict", "-E", 'builtins.warn "\\nfoo" null')
    assert r.stderr == "evaluation warning:\nfoo\n"


def test_warn_takes_only_strings() -> None:
    assert ours_error("builtins.warn { } true").startswith("error: value is a set while a string was expected")


@pytest.mark.parametrize("how", [["--abort-on-warn"], ["--option", "abort-on-warn", "true"]])
def test_abort_on_warn_makes_warn_an_uncatchable_error(how: list[str]) -> None:
    """lang.sh: with abort-on-warn the message is still printed, then evaluation stops."""
    r = pydock("--strict", *how, "-E", 'builtins.tryEval (builtins.warn "Hello" 123)')
    assert r.returncode == 1
    assert r.stderr.startswith("evaluation warning: Hello\nerror: aborting to reveal stack trace of warning")


def test_abort_on_warn_from_the_environment() -> None:
    r = pydock("--strict", "-E", 'builtins.warn "Hello" 123', env={**os.environ, "NIX_ABORT_ON_WARN": "1"})
    assert r.returncode == 1


def test_break_is_the_identity_and_trace_verbose_needs_its_flag() -> None:
    assert ours_json("builtins.break (1 + 2)") == 3
    quiet = pydock("--strict", "-E", 'builtins.traceVerbose "Hello" 123')
    loud = pydock("--strict", "--trace-verbose", "-E", 'builtins.traceVerbose "Hello" 123')
    assert (quiet.stdout, quiet.stderr) == ("123\n", "")
    assert (loud.stdout, loud.stderr) == ("123\n", "trace: Hello\n")


# ------------------------------------------------------------------ addDrvOutputDependencies

DRV = 'derivation { name = "d"; builder = "/bin/sh"; system = "x86_64-linux"; outputs = [ "out" "dev" ]; }'


def test_add_drv_output_dependencies_restores_drv_path_context(nix: Nix) -> None:
    """The context Nix 2.8 gives `drvPath` (all outputs) is what the builtin rebuilds from a
    plain `.drv` reference (suite eval-okay-context-introspection)."""
    want = json.loads(nix.json(f"let d = {DRV}; in builtins.getContext d.drvPath"))
    plain = "builtins.unsafeDiscardOutputDependency d.drvPath"
    expr = f"let d = {DRV}; in builtins.getContext (builtins.addDrvOutputDependencies ({plain}))"
    assert ours_json(expr) == want
    idempotent = f"let d = {DRV}; in builtins.getContext (builtins.addDrvOutputDependencies d.drvPath)"
    assert ours_json(idempotent) == want


def test_add_drv_output_dependencies_errors() -> None:
    assert ours_error('builtins.addDrvOutputDependencies ""') == (
        "error: context of string '' must have exactly one element, but has 0"
    )
    assert ours_error(f"let d = {DRV}; in builtins.addDrvOutputDependencies d.outPath") == (
        "error: `addDrvOutputDependencies` can only act on derivations, not on a derivation output such as 'out'"
    )


# ------------------------------------------------------------------ flake references

FLAKE_REFS = {
    # the manual's examples for parseFlakeRef / flakeRefToString, and its flake-reference page
    "github:NixOS/nixpkgs/23.05?dir=lib": {
        "dir": "lib", "owner": "NixOS", "ref": "23.05", "repo": "nixpkgs", "type": "github",
    },
    "github:NixOS/nixpkgs/a3a3dda3bacf61e8a39258a0ed9c924eeca8e293": {
        "owner": "NixOS", "repo": "nixpkgs", "rev": "a3a3dda3bacf61e8a39258a0ed9c924eeca8e293", "type": "github",
    },
    "flake:nixpkgs/nixos-23.05": {"id": "nixpkgs", "ref": "nixos-23.05", "type": "indirect"},
    "path:/home/user/sub/dir": {"path": "/home/user/sub/dir", "type": "path"},
    "git+https://example.org/my/repo?ref=main&shallow=1": {
        "ref": "main", "shallow": True, "type": "git", "url": "https://example.org/my/repo",
    },
    "https://example.org/x.tar.gz?narHash=sha256-47DEQpj8HBSa%2B/TImW%2B5JCeuQeRkm5NMpJWZG3hSuFU%3D": {
        "narHash": "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "type": "tarball",
        "url": "https://example.org/x.tar.gz",
    },
}


@pytest.mark.parametrize("url", sorted(FLAKE_REFS))
def test_flake_refs_both_ways(url: str) -> None:
    attrs = FLAKE_REFS[url]
    assert ours_json(f"builtins.parseFlakeRef {json.dumps(url)}") == attrs
    nix_attrs = " ".join(f"{k} = {str(v).lower() if isinstance(v, bool) else json.dumps(v)};" for k, v in attrs.items())
    assert ours_json(f"builtins.flakeRefToString {{ {nix_attrs} }}") == url


def test_flake_ref_shorthands_and_errors() -> None:
    assert ours_json('builtins.parseFlakeRef "nixpkgs"') == {"id": "nixpkgs", "type": "indirect"}
    assert ours_json('builtins.parseFlakeRef "/abs/dir"') == {"path": "/abs/dir", "type": "path"}
    assert ours_error('builtins.parseFlakeRef "./rel"') == "error: flake reference './rel' is not an absolute path"
    assert ours_error('builtins.flakeRefToString { type = "github"; owner = "o"; repo = -1; }') == (
        "error: negative value given for flake ref attr repo: -1"
    )


# ------------------------------------------------------------------ fetchers, flakes


@pytest.mark.parametrize("name", ["fetchTarball", "fetchGit", "fetchMercurial", "fetchTree", "fetchurl"])
def test_fetchers_name_themselves_in_their_error(name: str, nix: Nix) -> None:
    assert json.loads(nix.json(f"builtins ? {name}")) is True  # as present as in Nix 2.8
    assert ours_error(f'builtins.{name} "https://example.org/x"').startswith(
        f"error: 'builtins.{name}' is not supported by pydock"
    )


def test_get_flake_and_fetch_closure_need_their_features() -> None:
    assert ours_json("[ (builtins ? getFlake) (builtins ? fetchClosure) ]") == [False, False]
    flags = ["--extra-experimental-features", "flakes fetch-closure"]
    assert ours_json("[ (builtins ? getFlake) (builtins ? fetchClosure) ]", *flags) == [True, True]
    assert ours_error('builtins.getFlake "nixpkgs"', *flags).startswith(
        "error: 'builtins.getFlake' is not supported by pydock"
    )


# ------------------------------------------------------------------ replaceStrings, positions


def test_replace_strings_is_lazy_in_replacements(nix: Nix) -> None:
    """rl-2.16.md; suite eval-okay-replacestrings. Results where nothing is skipped match Nix 2.8."""
    assert ours_json('builtins.replaceStrings [ "oo" "XX" ] [ "u" (throw "unreachable") ] "foobar"') == "fubar"
    expr = (
        'with builtins; [ (replaceStrings [ "" ] [ "X" ] "abc") (replaceStrings [ "oo" "a" ] [ "a" "oo" ] "foobar") ]'
    )
    assert ours_json(expr) == json.loads(nix.json(expr))


def test_inherited_attribute_positions() -> None:
    """Suite eval-okay-inherit-attr-pos: the position of each inherited name."""
    expr = (
        "let d = 0; x = 1; y = { inherit d x; }; z = { inherit (y) d x; }; in"
        ' map (n: builtins.unsafeGetAttrPos n y) [ "d" "x" ] ++ map (n: builtins.unsafeGetAttrPos n z) [ "d" "x" ]'
    )
    cols = [p["column"] for p in ours_json(expr)]
    first, second = expr.index("inherit d x") + len("inherit "), expr.index("(y) d x") + len("(y) ")
    assert cols == [first + 1, first + 3, second + 1, second + 3]


# ------------------------------------------------------------------ fromTOML timestamps


def test_toml_dates_need_their_feature(nix: Nix) -> None:
    expr = 'builtins.fromTOML "a = 1979-05-27"'
    assert ours_error(expr) == f"error: {nix.error(expr).splitlines()[0]}"


def test_toml_timestamps() -> None:
    """Suite eval-okay-fromTOML-timestamps: `T` separator, fractions padded to 3/6/9 digits."""
    doc = "\n".join(
        [
            "a = 1979-05-27T07:32:00Z",
            "b = 1979-05-27 00:32:00.5-07:00",
            "c = [ 1979-05-27t07:32:00.1234, 07:32:00.1234567891 ]",
            'd = { e = 1979-05-27 }',
            's = "1979-05-27"',
        ]
    )
    got = ours_json(f"builtins.fromTOML {nix_str(doc)}", "--extra-experimental-features", "parse-toml-timestamps")

    def ts(v: str) -> dict[str, str]:
        return {"_type": "timestamp", "value": v}

    assert got == {
        "a": ts("1979-05-27T07:32:00Z"),
        "b": ts("1979-05-27T00:32:00.500-07:00"),
        "c": [ts("1979-05-27T07:32:00.123400"), ts("07:32:00.123456789")],
        "d": {"e": ts("1979-05-27")},
        "s": "1979-05-27",
    }


# ------------------------------------------------------------------ settings and lints


def test_unknown_setting_warns_as_nix_2_8_does(nix: Nix) -> None:
    theirs = subprocess.run(
        [nix.exe, "--eval", "--option", "no-such-setting", "1", "-E", "1"], capture_output=True, text=True
    )
    ours = pydock("--option", "no-such-setting", "1", "-E", "1")
    assert (ours.returncode, ours.stdout, ours.stderr) == (0, theirs.stdout, theirs.stderr)


@pytest.mark.parametrize(
    ("flag", "text", "message"),
    [
        (
            "--lint-absolute-path-literals", "/tmp/foo",
            "absolute path literals are not portable. Consider replacing path literal '/tmp/foo' by a string, "
            "relative path, or parameter (lint-absolute-path-literals)",
        ),
        (
            "--lint-short-path-literals", "test/subdir",
            "relative path literal 'test/subdir' should be prefixed with '.' for clarity: './test/subdir' "
            "(lint-short-path-literals)",
        ),
        (
            "--lint-url-literals", "http://example.com",
            'URL literals are {}. Consider using a string literal "http://example.com" instead (lint-url-literals)',
        ),
    ],
)
def test_literal_lints(flag: str, text: str, message: str, tmp_path: Path) -> None:
    """Suite eval-okay-*-warn / eval-fail-*-fatal: the lint names its setting; ./ and ../ paths pass."""
    f = tmp_path / "t.nix"
    f.write_text(f"[ ./x ../y {text} ]\n")
    quiet = pydock("--strict", str(f))
    assert quiet.returncode == 0 and quiet.stderr == ""
    warned = pydock("--strict", flag, "warn", str(f))
    assert warned.returncode == 0
    assert warned.stderr.startswith("warning: " + message.format("discouraged"))
    assert f"at {f}:1:12:" in warned.stderr
    fatal = pydock("--strict", "--option", flag[2:], "fatal", str(f))
    assert fatal.returncode == 1 and fatal.stdout == ""
    assert fatal.stderr.startswith("error: " + message.format("disallowed"))


def test_bad_lint_level() -> None:
    r = pydock("--option", "lint-url-literals", "loud", "-E", "1")
    assert r.returncode == 1
    assert r.stderr == (
        "error: option 'lint-url-literals' has invalid value 'loud' (expected 'ignore', 'warn', or 'fatal')\n"
    )


# ------------------------------------------------------------------ what nixpkgs' lib asks of the evaluator


def test_minfeatures_accepts_pydock() -> None:
    """nixpkgs lib/minfeatures.nix's condition: nixVersion exists and is at least 2.18."""
    assert ours_json('[ (builtins ? nixVersion) (builtins.compareVersions "2.18" builtins.nixVersion != 1) ]') == [
        True,
        True,
    ]


def test_fileset_style_source_matches_nix_2_8(nix: Nix, tmp_path: Path) -> None:
    """lib.fileset walks a tree with readFileType and hands builtins.path a filter; the store
    path must be the one Nix 2.8 gives the same selection (made there with readDir types)."""
    root = tmp_path / "src"
    (root / "b").mkdir(parents=True)
    (root / "e").mkdir()
    (root / "a").write_text("A\n")
    (root / "b" / "c").write_text("C\n")
    (root / "d").write_text("D\n")
    (root / "e" / "f").write_text("F\n")
    os.symlink("a", root / "b" / "link")
    start = len(str(root)) + 1
    keep = (
        f"p: let r = builtins.substring {start} 1000 (toString p);"
        ' in r == "a" || r == "b" || builtins.substring 0 2 r == "b/"'
    )
    ours_filter = f"p: t: assert builtins.readFileType p == t; ({keep}) p"
    nix_filter = f"p: t: assert (builtins.readDir (dirOf p)).${{baseNameOf p}} == t; ({keep}) p"
    template = 'builtins.path {{ name = "source"; path = {root}; filter = {f}; }}'
    want = json.loads(nix.json(template.format(root=root, f=nix_filter)))
    assert ours_json(template.format(root=root, f=ours_filter)) == want


def test_toml_timestamps_only_where_values_are() -> None:
    """Date-like keys, strings and comments stay as they are; values inside arrays of inline
    tables and multi-line arrays are timestamps."""
    from pydock.evaluator.builtins.toml import parse_toml

    doc = "\n".join(
        [
            '1979-05-27 = "a key"  # 1979-05-27 in a comment',
            's = """1979-05-27"""',
            "a = [",
            "  { d = 1979-05-27 }, # comment",
            "  07:32:00,",
            "]",
            "[t]",
            "x.y = 1979-05-27T07:32:00.1+01:30",
        ]
    )

    def ts(v: str) -> dict[str, str]:
        return {"_type": "timestamp", "value": v}

    assert parse_toml(doc, timestamps=True) == {
        "1979-05-27": "a key",
        "s": "1979-05-27",
        "a": [{"d": ts("1979-05-27")}, ts("07:32:00")],
        "t": {"x": {"y": ts("1979-05-27T07:32:00.100+01:30")}},
    }


# ------------------------------------------------------------------ outputOf (dynamic-derivations)

DYNAMIC = ["--extra-experimental-features", "dynamic-derivations"]
DRVS = (
    'd = derivation { name = "x"; system = "x"; builder = "/x"; outputs = [ "out" "dev" ]; };'
    ' f = derivation { name = "f"; system = "x"; builder = "/x"; outputHashMode = "flat";'
    ' outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; };'
    " ref = drv: builtins.unsafeDiscardOutputDependency drv.drvPath;"
)


def test_output_of_a_stored_derivation_is_its_output(nix: Nix) -> None:
    """Current Nix's ``outputOf`` on an opaque ``.drv`` path: the output path (input-addressed
    and fixed outputs) with the output's context; Nix 2.8 gives the same path and context
    through the derivation's own attributes."""
    ours = ours_json(
        f'let {DRVS} o = builtins.outputOf (ref d) "dev"; in [ o (builtins.getContext o)'
        ' (builtins.outputOf (ref f) "out") ]',
        *DYNAMIC,
    )
    want = json.loads(nix.json(f"let {DRVS} in [ d.dev.outPath (builtins.getContext d.dev.outPath) f.outPath ]"))
    assert ours == want


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        (
            'builtins.outputOf d.drvPath "out"',
            "has a context which refers to a complete source and binary closure. This is not supported at this time",
        ),
        ('builtins.outputOf "x" "out"', "string 'x' has 0 entries in its context. It should only have exactly one"),
        ('builtins.outputOf (ref d) "lib"', "does not have output 'lib'"),
        ('builtins.outputOf (ref d + "x") "out"', "has context with the different path"),
        ('builtins.outputOf d.outPath "out"', "(a dynamic derivation) is not supported by pydock"),
    ],
)
def test_output_of_errors(expr: str, message: str) -> None:
    """Messages of current Nix's ``coerceToSingleDerivedPath`` (src/libexpr/eval.cc)."""
    assert message in ours_error(f"let {DRVS} in {expr}", *DYNAMIC)


def test_output_of_needs_its_feature() -> None:
    assert ours_json("builtins ? outputOf") is False
    assert ours_json("builtins ? outputOf", *DYNAMIC) is True
