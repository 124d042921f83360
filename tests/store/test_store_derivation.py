"""Derivations: exact ATerm bytes, drvPath and output paths, checked against nix-instantiate.

Each case is described once as a small spec.  The spec is rendered both as a Nix
``derivation { ... }`` expression (instantiated by real Nix into a private store)
and, independently, turned into a ``Derivation`` here the way ``derivationStrict``
does it; the ``.drv`` bytes Nix wrote and the paths it reported must match ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydock.store.derivation import (
    Derivation,
    DerivationError,
    DerivationOutput,
    DrvHashCache,
    OutputKind,
    derivation_path,
    downstream_placeholder,
    fill_output_paths,
    hash_placeholder,
    parse_derivation,
    read_derivation,
)
from pydock.store.hashes import Hash, hash_bytes
from pydock.store.paths import FileIngestionMethod, StoreDir
from store_nixtools import Nix, NixFailed, nix_str

STORE = StoreDir()

# -- specs shared by both sides -------------------------------------------------------------


@dataclass(eq=False)
class Spec:
    """Attributes of one ``derivation`` call; values are plain data or references."""

    attrs: dict[str, Any]


@dataclass(frozen=True)
class Out:
    """``"${dep.<output>}"``: an output path with its derivation in the context."""

    spec: Spec
    output: str = "out"


@dataclass(frozen=True)
class Text:
    """``"${builtins.toFile name content}"``."""

    name: str
    content: str


@dataclass(frozen=True)
class Src:
    """``"${/abs/path}"``: a local path copied to the store."""

    path: Path


@dataclass(frozen=True)
class Cat:
    """String concatenation of plain text and references."""

    parts: tuple[Any, ...]


def cat(*parts: Any) -> Cat:
    return Cat(parts)


SYSTEM = "x86_64-linux"


def base(name: str, **attrs: Any) -> Spec:
    return Spec({"name": name, "system": SYSTEM, "builder": "/bin/sh", **attrs})


# -- the Nix side ---------------------------------------------------------------------------


class NixSide:
    """Renders specs as one ``let`` expression and evaluates it with real Nix."""

    def __init__(self) -> None:
        self.bindings: dict[int, tuple[str, str]] = {}

    def name_of(self, spec: Spec) -> str:
        if id(spec) not in self.bindings:
            body = " ".join(f"{nix_str(k)} = {self.value(v)};" for k, v in spec.attrs.items())
            self.bindings[id(spec)] = (f"d{len(self.bindings)}", f"derivation {{ {body} }}")
        return self.bindings[id(spec)][0]

    def interp(self, part: Any) -> str:
        """``part`` as a fragment inside a Nix string literal."""
        if isinstance(part, str):
            return nix_str(part)[1:-1]
        if isinstance(part, Out):
            return f"${{{self.name_of(part.spec)}.{part.output}}}"
        if isinstance(part, Text):
            return f"${{builtins.toFile {nix_str(part.name)} {nix_str(part.content)}}}"
        if isinstance(part, Src):
            return f"${{{part.path}}}"
        raise TypeError(part)

    def value(self, v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if v is None:
            return "null"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, list):
            return "[ " + " ".join(self.value(x) for x in v) + " ]"
        parts = v.parts if isinstance(v, Cat) else (v,)
        return '"' + "".join(self.interp(p) for p in parts) + '"'

    def evaluate(self, nix: Nix, specs: list[Spec], *extra: str) -> list[dict[str, Any]]:
        names = [self.name_of(s) for s in specs]
        lets = " ".join(f"{n} = {e};" for n, e in self.bindings.values())
        outs = 'builtins.listToAttrs (map (o: {{ name = o; value = {0}.${{o}}.outPath; }}) ({0}.outputs or ["out"]))'
        results = " ".join(f"{{ drv = {n}.drvPath; outs = {outs.format(n)}; }}" for n in names)
        return nix.eval_json(f"let {lets} in [ {results} ]", *extra)


# -- the Python side: derivationStrict re-done with pydock.store -----------------------------


@dataclass
class Built:
    drv: Derivation
    drv_path: str


@dataclass
class PySide:
    """Turns specs into derivations with ``pydock.store`` only (no Nix involved)."""

    cache: DrvHashCache = field(default_factory=DrvHashCache)
    built: dict[int, Built] = field(default_factory=dict)

    def coerce(self, v: Any, drvs: dict[str, set[str]], srcs: set[str]) -> str:
        if isinstance(v, bool):
            return "1" if v else ""
        if v is None:
            return ""
        if isinstance(v, int):
            return str(v)
        if isinstance(v, list):
            return " ".join(self.coerce(x, drvs, srcs) for x in v)
        if isinstance(v, Cat):
            return "".join(self.coerce(p, drvs, srcs) for p in v.parts)
        if isinstance(v, Out):
            dep = self.build(v.spec)
            drvs.setdefault(dep.drv_path, set()).add(v.output)
            return dep.drv.outputs[v.output].path or downstream_placeholder(dep.drv_path, v.output)
        if isinstance(v, Text):
            path = STORE.text_path(v.name, v.content)
            srcs.add(path)
            return path
        if isinstance(v, Src):
            path = STORE.source_path(v.path)
            srcs.add(path)
            return path
        assert isinstance(v, str)
        return v

    def build(self, spec: Spec) -> Built:
        if id(spec) in self.built:
            return self.built[id(spec)]
        drvs: dict[str, set[str]] = {}
        srcs: set[str] = set()
        env: dict[str, str] = {}
        args: list[str] = []
        content_addressed = False
        for key, v in spec.attrs.items():
            if key == "__contentAddressed":  # consumed by Nix, not passed to the builder
                content_addressed = bool(v)
            elif key == "args":
                args = [self.coerce(a, drvs, srcs) for a in v]
            else:
                env[key] = self.coerce(v, drvs, srcs)
        if "outputHash" in env:
            h = Hash.parse_allow_empty(env["outputHash"], env.get("outputHashAlgo") or None)
            recursive = env.get("outputHashMode") == "recursive"
            method = FileIngestionMethod.RECURSIVE if recursive else FileIngestionMethod.FLAT
            outputs = {"out": DerivationOutput.fixed(method, h)}
        elif content_addressed:
            prefix = "r:" if env.get("outputHashMode", "recursive") == "recursive" else ""
            algo = prefix + (env.get("outputHashAlgo") or "sha256")
            outputs = {o: DerivationOutput(hash_algo=algo) for o in env.get("outputs", "out").split()}
        else:
            outputs = {o: DerivationOutput() for o in env.get("outputs", "out").split()}
        drv = Derivation(env["name"], outputs, drvs, srcs, env["system"], env["builder"], args, env)
        built = Built(drv, self.cache.instantiate(drv))
        self.built[id(spec)] = built
        return built


def check(nix: Nix, specs: list[Spec], *extra: str, parse_back: bool = True) -> list[Built]:
    """Instantiate ``specs`` with Nix and with pydock; compare bytes and paths."""
    results = NixSide().evaluate(nix, specs, *extra)
    py = PySide()
    out = []
    for spec, res in zip(specs, results, strict=True):
        built = py.build(spec)
        nix_bytes = nix.real(res["drv"]).read_bytes()
        assert built.drv.to_aterm().encode() == nix_bytes, spec.attrs["name"]
        assert built.drv_path == res["drv"]
        known = {o: p for o, p in built.drv.output_paths().items() if p}
        assert known == {o: res["outs"][o] for o in known}
        if parse_back:
            parsed = parse_derivation(nix_bytes.decode(), built.drv.name)
            assert parsed == built.drv
            assert parsed.to_aterm().encode() == nix_bytes
        out.append(built)
    return out


def disk_cache(nix: Nix) -> DrvHashCache:
    """A hash cache that reads input derivations from Nix's private store, not from memory."""
    return DrvHashCache(STORE, lambda p: read_derivation(p, nix.real(p)))


# -- cases ----------------------------------------------------------------------------------


def test_minimal(nix: Nix) -> None:
    check(nix, [base("minimal")])


def test_multiple_outputs_and_args(nix: Nix) -> None:
    check(nix, [base("multi", outputs=["out", "dev", "lib", "doc"], args=["-c", "echo $out", ""])])


def test_output_order_is_sorted(nix: Nix) -> None:
    check(nix, [base("order", outputs=["z", "out", "a", "B"])])


def test_env_escaping(nix: Nix) -> None:
    nasty = 'quote " backslash \\ newline \n tab \t cr \r dollar-brace ${x} ünïcödé ✓ \x01'
    spec = base(
        "escapes",
        builder='/bin/"sh\\',
        args=["a\tb", "line1\nline2", '"', "\\"],
        FOO=nasty,
        EMPTY="",
        MULTI="a\n\nb\n",
        **{"with space": "v", 'quote"key': "v", "nl\nkey": "v", "tab\tkey": "v"},
        ints=42,
        yes=True,
        no=False,
        nothing=None,
        list=["a", "b c", 3, True],
    )
    check(nix, [spec])


def test_platform_is_written_unescaped(nix: Nix) -> None:
    """Nix does not escape the platform: it writes a .drv it then cannot parse; so do we."""
    spec = Spec({"name": "plat", "system": 'x"86\\64', "builder": "/bin/sh"})
    with pytest.raises(NixFailed) as nix_err:
        NixSide().evaluate(nix, [spec])
    m = re.search(r"error parsing derivation '([^']+)': error: (.*)", nix_err.value.error)
    assert m, nix_err.value.error
    built = PySide().build(spec)
    assert built.drv_path == m[1]
    assert built.drv.to_aterm().encode() == nix.real(m[1]).read_bytes()
    with pytest.raises(DerivationError) as ours:
        parse_derivation(built.drv.to_aterm(), "plat")
    assert str(ours.value) == m[2]


FIXED = [
    ("flat-sha256-b32", "flat", "sha256", hash_bytes("sha256", "a").base32),
    ("flat-sha256-hex", "flat", "sha256", hash_bytes("sha256", "b").hex),
    ("flat-sha256-sri", "flat", None, hash_bytes("sha256", "c").sri),
    ("flat-sha256-pfx", "flat", None, "sha256:" + hash_bytes("sha256", "d").base32),
    ("flat-sha1", "flat", "sha1", hash_bytes("sha1", "e").hex),
    ("flat-md5", "flat", "md5", hash_bytes("md5", "f").base32),
    ("flat-sha512", "flat", "sha512", hash_bytes("sha512", "g").base64),
    ("rec-sha256", "recursive", "sha256", hash_bytes("sha256", "h").base32),
    ("rec-sha1", "recursive", "sha1", hash_bytes("sha1", "i").base32),
    ("rec-sha512-sri", "recursive", None, hash_bytes("sha512", "j").sri),
    ("empty-hash", "recursive", "sha256", ""),
]


@pytest.mark.parametrize(("name", "mode", "algo", "h"), FIXED, ids=[f[0] for f in FIXED])
def test_fixed_output(nix: Nix, name: str, mode: str, algo: str | None, h: str) -> None:
    attrs: dict[str, Any] = {"outputHashMode": mode, "outputHash": h, "urls": "http://example/x"}
    if algo:
        attrs["outputHashAlgo"] = algo
    (built,) = check(nix, [base(name, **attrs)])
    assert built.drv.is_fixed_output and built.drv.outputs["out"].kind is OutputKind.FIXED


def test_fixed_output_path_independent_of_builder(nix: Nix) -> None:
    h = hash_bytes("sha256", "same content").base32
    a = base("same", outputHash=h, outputHashAlgo="sha256", builder="/bin/a")
    b = base("same", outputHash=h, outputHashAlgo="sha256", builder="/bin/b", extra="x")
    ba, bb = check(nix, [a, b])
    assert ba.drv_path != bb.drv_path and ba.drv.outputs == bb.drv.outputs


def test_input_derivations_sources_and_chains(nix: Nix, tmp_path: Path) -> None:
    (tmp_path / "script.sh").write_text("echo hello\n")
    (tmp_path / "srcdir").mkdir()
    (tmp_path / "srcdir" / "f").write_text("f\n")
    lib = base("lib", outputs=["out", "dev", "man"])
    fetched = base("fetched", outputHash=hash_bytes("sha256", "tarball").base32, outputHashAlgo="sha256")
    fetched_rec = base("fetched-rec", outputHashMode="recursive", outputHash=hash_bytes("sha1", "t").hex,
                       outputHashAlgo="sha1")  # fmt: skip
    mid = base(
        "mid",
        buildInputs=[Out(lib), Out(lib, "dev"), Out(fetched)],
        script=Src(tmp_path / "script.sh"),
        src=Src(tmp_path / "srcdir"),
        conf=Text("conf", "key=value\n"),
        args=["-e", cat("source ", Out(fetched_rec), "/setup")],
    )
    top = base(
        "top",
        outputs=["out", "bin"],
        deps=[Out(mid), Out(lib, "man")],
        mixed=cat("prefix ", Out(mid), " middle ", Text("t2", "x"), " suffix"),
    )
    check(nix, [lib, fetched, fetched_rec, mid, top])


def test_fixed_outputs_with_same_path_merge_in_hash_modulo(nix: Nix) -> None:
    """Two different fetchers of the same content hash to the same modulo key; Nix merges them."""
    h = hash_bytes("sha256", "shared").base32
    f1 = base("src", outputHash=h, outputHashAlgo="sha256", builder="/bin/curl")
    f2 = base("src", outputHash=h, outputHashAlgo="sha256", builder="/bin/wget")
    plain = base("plain")
    user = base("user", a=Out(f1), b=Out(f2), c=Out(plain))
    *_, built = check(nix, [f1, f2, plain, user])
    assert len(built.drv.input_drvs) == 3


def test_hash_modulo_from_drv_files_on_disk(nix: Nix) -> None:
    """Recompute outputs of Nix-written .drv files, loading inputs from Nix's store."""
    dep = base("dep", outputs=["out", "dev"])
    fod = base("fod", outputHash=hash_bytes("sha512", "z").sri)
    top = base("top-disk", a=Out(dep, "dev"), b=Out(fod), outputs=["out", "doc"])
    results = NixSide().evaluate(nix, [dep, fod, top])
    cache = disk_cache(nix)
    for res in results:
        drv = read_derivation(res["drv"], nix.real(res["drv"]))
        expected_outputs = dict(drv.outputs)
        expected_env = dict(drv.env)
        fill_output_paths(drv, cache)
        assert drv.outputs == expected_outputs and drv.env == expected_env
        assert derivation_path(drv) == res["drv"]


def test_content_addressed_floating_and_deferred(nix: Nix) -> None:
    ca = base("ca", __contentAddressed=True, outputHashMode="recursive", outputHashAlgo="sha256",
              outputs=["out", "dev"])  # fmt: skip
    downstream = base("downstream", dep=Out(ca, "dev"))
    ca_built, down_built = check(nix, [ca, downstream], "--extra-experimental-features", "ca-derivations")
    assert ca_built.drv.outputs["dev"].kind is OutputKind.FLOATING
    assert down_built.drv.outputs["out"].kind is OutputKind.DEFERRED
    cache = disk_cache(nix)
    assert cache(ca_built.drv_path).deferred and cache(down_built.drv_path).deferred


def test_placeholder_matches_builtin(nix: Nix) -> None:
    names = ["out", "dev", "bin", "weird name"]
    expected = nix.eval_json("[" + " ".join(f"(builtins.placeholder {nix_str(n)})" for n in names) + "]")
    assert [hash_placeholder(n) for n in names] == expected


def test_parse_round_trips_every_drv_in_store(nix: Nix) -> None:
    """Whatever the other tests left in the private store must parse and re-serialise exactly."""
    check(nix, [base("roundtrip", outputs=["out", "x"], v="a\tb")])
    drvs = sorted((nix.root / "nix" / "store").glob("*.drv"))
    for real in drvs:
        data = real.read_bytes()
        if b'x"86' in data:
            continue  # the deliberately unparseable platform case
        drv = parse_derivation(data.decode(), real.name[33:-4])
        assert drv.to_aterm().encode() == data
        assert derivation_path(drv) == f"/nix/store/{real.name}"
