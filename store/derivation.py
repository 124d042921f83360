"""Store derivations: the ``.drv`` ATerm format, hashing modulo, and output paths.

A derivation's identity is the SHA-256 of its ATerm text, so the text must be
byte-for-byte what Nix 2.8 writes: outputs, input derivations, their output
names, input sources and environment are sorted (they are ``std::map``/
``std::set`` in Nix, i.e. byte order); builder, arguments and environment
strings are escaped (``\\"``, ``\\\\``, ``\\n``, ``\\r``, ``\\t`` only), while output
names, paths, hash fields and the platform are written unescaped.

Output paths cannot simply hash the final text, since it contains them.  Nix
instead computes a "hash modulo": the text with output paths blanked, and with
each input derivation's path replaced by *its* hash modulo, so that changing
how a fixed-output dependency is fetched (same content hash) does not change
anything downstream.  ``fill_output_paths`` follows ``derivationStrict``:
blank every output, hash modulo, then derive each output path from that hash.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from .errors import StoreError
from .hashes import Hash, hash_bytes, parse_hash_type
from .paths import (
    DRV_EXTENSION,
    FileIngestionMethod,
    StoreDir,
    output_path_name,
    store_path_hash_part,
    store_path_name,
)

__all__ = [
    "DerivationError",
    "OutputKind",
    "DerivationOutput",
    "Derivation",
    "DrvHash",
    "DrvHashCache",
    "parse_derivation",
    "read_derivation",
    "hash_derivation_modulo",
    "fill_output_paths",
    "derivation_path",
    "hash_placeholder",
    "downstream_placeholder",
    "IMPURE_OUTPUT_HASH",
]

IMPURE_OUTPUT_HASH = hash_bytes("sha256", "impure")
"""Stand-in hash modulo that Nix gives every output of an impure derivation."""

_DEFAULT_STORE = StoreDir()


class DerivationError(StoreError, ValueError):
    """A malformed ``.drv`` text or an inconsistent derivation; Nix's wording where it has one."""


def _key(s: str) -> bytes:
    """Sort key giving Nix's byte order even for non-UTF-8 (surrogate-escaped) strings."""
    return s.encode("utf-8", "surrogateescape")


class OutputKind(Enum):
    """The kinds of derivation output Nix 2.8 distinguishes by which ATerm fields are set."""

    INPUT_ADDRESSED = "input-addressed"  # path only
    FIXED = "fixed"  # path, algo and hash: content known in advance
    FLOATING = "floating"  # algo only: content-addressed, hash known after the build
    DEFERRED = "deferred"  # nothing yet: input-addressed but path not computed
    IMPURE = "impure"  # algo and the literal hash "impure"


@dataclass(slots=True)
class DerivationOutput:
    """One ``(name, path, hashAlgo, hash)`` entry, kept as the raw ATerm strings.

    Keeping the textual fields means parse/unparse round-trips exactly; the
    properties interpret them.  ``hash_algo`` carries the ingestion prefix
    (``r:sha256``) and ``hash`` is base-16 for fixed outputs.
    """

    path: str = ""
    hash_algo: str = ""
    hash: str = ""

    @classmethod
    def fixed(cls, method: FileIngestionMethod, hash: Hash, path: str = "") -> DerivationOutput:
        """A fixed-output entry; ``fill_output_paths`` fills the path if left empty."""
        return cls(path, method.prefix + hash.algo, hash.hex)

    @property
    def kind(self) -> OutputKind:
        if not self.hash_algo:
            return OutputKind.INPUT_ADDRESSED if self.path else OutputKind.DEFERRED
        if self.hash == "impure":
            return OutputKind.IMPURE
        return OutputKind.FIXED if self.hash else OutputKind.FLOATING

    @property
    def method(self) -> FileIngestionMethod | None:
        """Ingestion method for content-addressed outputs, ``None`` otherwise."""
        if not self.hash_algo:
            return None
        return FileIngestionMethod.RECURSIVE if self.hash_algo.startswith("r:") else FileIngestionMethod.FLAT

    @property
    def algo(self) -> str | None:
        """Hash algorithm without the ``r:`` prefix, ``None`` if not content-addressed."""
        if not self.hash_algo:
            return None
        return self.hash_algo.removeprefix("r:")

    def fixed_hash(self) -> Hash:
        """The expected content hash of a fixed output (bare base-16/32/64 in the ATerm)."""
        if self.kind is not OutputKind.FIXED:
            raise DerivationError("output is not fixed")
        assert self.algo is not None
        return Hash.parse_non_sri_unprefixed(self.hash, self.algo)

    def fixed_path(self, store: StoreDir, drv_name: str, output_name: str) -> str:
        """Where a fixed output must end up, recomputed from its hash (not read from ``path``)."""
        method = self.method
        assert method is not None
        return store.make_fixed_output_path(method, self.fixed_hash(), output_path_name(drv_name, output_name))


@dataclass(slots=True)
class Derivation:
    """A store derivation.  ``name`` is not part of the ATerm; it comes from the ``.drv`` path.

    Collections are plain dicts/sets/lists; ordering is imposed only when
    writing, so callers can build a derivation in any order.
    """

    name: str
    outputs: dict[str, DerivationOutput] = field(default_factory=dict)
    input_drvs: dict[str, set[str]] = field(default_factory=dict)
    input_srcs: set[str] = field(default_factory=set)
    platform: str = ""
    builder: str = ""
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    # -- writing ----------------------------------------------------------------------

    def unparse(self, mask_outputs: bool = False, actual_inputs: Mapping[str, Iterable[str]] | None = None) -> str:
        """The ATerm text, as Nix's ``Derivation::unparse``.

        ``mask_outputs`` blanks output paths and the env vars named after
        outputs; ``actual_inputs`` replaces the input-derivation list (used by
        hashing modulo, where keys are hashes rather than paths).
        """
        out: list[str] = ["Derive(["]
        first = True
        for oname in sorted(self.outputs, key=_key):
            o = self.outputs[oname]
            if not first:
                out.append(",")
            first = False
            path = "" if mask_outputs else o.path
            out.append(f'("{oname}","{path}","{o.hash_algo}","{o.hash}")')
        out.append("],[")
        inputs = self.input_drvs if actual_inputs is None else actual_inputs
        first = True
        for drv_path in sorted(inputs, key=_key):
            if not first:
                out.append(",")
            first = False
            names = ",".join(f'"{n}"' for n in sorted(set(inputs[drv_path]), key=_key))
            out.append(f'("{drv_path}",[{names}])')
        out.append("],[")
        out.append(",".join(f'"{p}"' for p in sorted(self.input_srcs, key=_key)))
        out.append(f'],"{self.platform}",')
        out.append(_quote(self.builder))
        out.append(",[")
        out.append(",".join(_quote(a) for a in self.args))
        out.append("],[")
        out.append(
            ",".join(
                f"({_quote(k)},{_quote('' if mask_outputs and k in self.outputs else self.env[k])})"
                for k in sorted(self.env, key=_key)
            )
        )
        out.append("])")
        return "".join(out)

    def to_aterm(self) -> str:
        """The exact text of the ``.drv`` file."""
        return self.unparse()

    # -- interpretation ---------------------------------------------------------------

    @property
    def references(self) -> set[str]:
        """Store paths the ``.drv`` file refers to: input sources and input derivations.

        Outputs are deliberately not references: they need not exist, and must not
        be kept alive just because the ``.drv`` is.
        """
        return set(self.input_srcs) | set(self.input_drvs)

    def is_builtin(self) -> bool:
        """Builders like ``builtin:fetchurl`` run inside Nix rather than as a process."""
        return self.builder.startswith("builtin:")

    def kinds(self) -> set[OutputKind]:
        """The output kinds present, after Nix's consistency checks (``BasicDerivation::type``)."""
        if not self.outputs:
            raise DerivationError("must have at least one output")
        kinds = {o.kind for o in self.outputs.values()}
        if len(kinds) > 1:
            raise DerivationError("can't mix derivation output types")
        if kinds == {OutputKind.FIXED}:
            if len(self.outputs) > 1:
                raise DerivationError("only one fixed output is allowed for now")
            if "out" not in self.outputs:
                raise DerivationError('single fixed output must be named "out"')
        if kinds == {OutputKind.FLOATING} and len({o.algo for o in self.outputs.values()}) > 1:
            raise DerivationError("all floating outputs must use the same hash type")
        return kinds

    @property
    def is_fixed_output(self) -> bool:
        return self.kinds() == {OutputKind.FIXED}

    def output_paths(self) -> dict[str, str]:
        """Known output paths by output name (empty strings for deferred/floating ones)."""
        return {name: o.path for name, o in self.outputs.items()}


def aterm_escape(s: str) -> str:
    """``"``, ``\\``, newline, carriage return and tab escaped: exactly the escapes Nix writes in a
    ``.drv`` (no others, e.g. no ``\\0``), which its string printers use too (``evaluator/escaping.py``).

    A chain of ``replace`` (the backslash first, so no escape is escaped again) is the same as
    one ``str.translate`` pass and several times faster: ``translate`` with a mapping costs
    about a microsecond even for a short string and ~80 ns per character on a long one (a
    layered image's ``.drv`` has kilobytes of script).
    """
    if "\\" in s:
        s = s.replace("\\", "\\\\")
    if '"' in s:
        s = s.replace('"', '\\"')
    if "\n" in s:
        s = s.replace("\n", "\\n")
    if "\r" in s:
        s = s.replace("\r", "\\r")
    if "\t" in s:
        s = s.replace("\t", "\\t")
    return s


def _quote(s: str) -> str:
    """A C-style quoted string as the ``.drv`` ATerm has it."""
    return '"' + aterm_escape(s) + '"'


# ---------------------------------------------------------------------------------------------
# Parsing


class _ATermReader:
    """Cursor over ``.drv`` text implementing exactly the grammar Nix accepts."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def expect(self, lit: str) -> None:
        if not self.s.startswith(lit, self.i):
            raise DerivationError(f"expected string '{lit}'")
        self.i += len(lit)

    def string(self) -> str:
        self.expect('"')
        s = self.s
        parts: list[str] = []
        start = self.i
        while True:
            j = s.find('"', start)
            k = s.find("\\", start, j if j >= 0 else len(s))
            if j < 0:
                raise DerivationError("unterminated string in derivation")
            if k < 0:
                parts.append(s[start:j])
                self.i = j + 1
                return "".join(parts)
            parts.append(s[start:k])
            if k + 1 >= len(s):
                raise DerivationError("unterminated string in derivation")
            c = s[k + 1]
            parts.append({"n": "\n", "r": "\r", "t": "\t"}.get(c, c))
            start = k + 2

    def path(self) -> str:
        p = self.string()
        if not p.startswith("/"):
            raise DerivationError(f"bad path '{p}' in derivation")
        return p

    def end_of_list(self) -> bool:
        """Consume a ``,`` (more items) or ``]`` (done); anything else means an item follows."""
        c = self.s[self.i : self.i + 1]
        if c == ",":
            self.i += 1
            return False
        if c == "]":
            self.i += 1
            return True
        return False

    def strings(self, are_paths: bool) -> set[str]:
        res: set[str] = set()
        while not self.end_of_list():
            res.add(self.path() if are_paths else self.string())
        return res


def parse_derivation(text: str, name: str) -> Derivation:
    """Parse ``.drv`` ATerm text; ``name`` is the derivation name (path base name minus ``.drv``)."""
    r = _ATermReader(text)
    drv = Derivation(name=name)
    r.expect("Derive([")
    while not r.end_of_list():
        r.expect("(")
        oname = r.string()
        r.expect(",")
        path = r.string()
        r.expect(",")
        algo = r.string()
        r.expect(",")
        hash_ = r.string()
        r.expect(")")
        # Normalise the way a parse/unparse cycle in Nix would: a fixed hash is
        # re-printed in base-16, and a hash without an algorithm is dropped.
        if algo:
            ht = parse_hash_type(algo.removeprefix("r:"))
            if hash_ and hash_ != "impure":
                hash_ = Hash.parse_non_sri_unprefixed(hash_, ht).hex
        else:
            hash_ = ""
        needs_path = bool(hash_ and hash_ != "impure") if algo else bool(path)
        if needs_path and not path.startswith("/"):
            raise DerivationError(f"bad path '{path}' in derivation")
        drv.outputs[oname] = DerivationOutput(path, algo, hash_)
    r.expect(",[")
    while not r.end_of_list():
        r.expect("(")
        drv_path = r.path()
        r.expect(",[")
        drv.input_drvs[drv_path] = r.strings(False)
        r.expect(")")
    r.expect(",[")
    drv.input_srcs = r.strings(True)
    r.expect(",")
    drv.platform = r.string()
    r.expect(",")
    drv.builder = r.string()
    r.expect(",[")
    while not r.end_of_list():
        drv.args.append(r.string())
    r.expect(",[")
    while not r.end_of_list():
        r.expect("(")
        key = r.string()
        r.expect(",")
        drv.env[key] = r.string()
        r.expect(")")
    r.expect(")")
    return drv


def read_derivation(drv_path: str, real_path: str | os.PathLike[str] | None = None) -> Derivation:
    """Load a ``.drv`` file; ``real_path`` is where it physically lives if not at ``drv_path``.

    The name is taken from the store path, as Nix does.
    """
    name = store_path_name(drv_path)
    if not name.endswith(DRV_EXTENSION):
        raise DerivationError(f"'{drv_path}' is not a derivation")
    with open(real_path if real_path is not None else drv_path, "rb") as f:
        text = f.read().decode("utf-8", "surrogateescape")
    return parse_derivation(text, name[: -len(DRV_EXTENSION)])


# ---------------------------------------------------------------------------------------------
# Hashing modulo and output paths


@dataclass(frozen=True, slots=True)
class DrvHash:
    """Per-output hash modulo of a derivation (Nix's ``DrvHash``).

    ``deferred`` is set when some output path cannot be known before building
    (floating content-addressed or impure derivations, or anything depending
    on one); such hashes must not be used to compute output paths.
    """

    hashes: dict[str, Hash]
    deferred: bool = False


InputHashes = Callable[[str], DrvHash]
"""Maps an input ``.drv`` path to its hash modulo (usually a :class:`DrvHashCache`)."""


def hash_derivation_modulo(
    drv: Derivation, input_hashes: InputHashes, mask_outputs: bool, store: StoreDir = _DEFAULT_STORE
) -> DrvHash:
    """Nix's ``hashDerivationModulo``.

    * Fixed-output: each output hashes to ``sha256("fixed:out:<r:algo>:<hex>:<path>")``,
      independent of builder and inputs.
    * Otherwise: sha256 of the ATerm in which input derivation paths are replaced by
      the base-16 of the relevant output's hash modulo (inputs sharing a hash are
      merged, as they are map keys in Nix) and, with ``mask_outputs``, output
      paths are blanked.  Every output gets that same hash.
    """
    kinds = drv.kinds()
    if kinds == {OutputKind.FIXED}:
        hashes = {}
        for oname, o in drv.outputs.items():
            fp = f"fixed:out:{o.hash_algo}:{o.fixed_hash().hex}:{o.fixed_path(store, drv.name, oname)}"
            hashes[oname] = hash_bytes("sha256", fp)
        return DrvHash(hashes)
    if kinds == {OutputKind.IMPURE}:
        return DrvHash({oname: IMPURE_OUTPUT_HASH for oname in drv.outputs}, deferred=True)

    deferred = kinds == {OutputKind.FLOATING}
    actual: dict[str, set[str]] = {}
    for drv_path, wanted in drv.input_drvs.items():
        res = input_hashes(drv_path)
        deferred = deferred or res.deferred
        for oname in wanted:
            if oname not in res.hashes:
                raise DerivationError(f"derivation '{drv_path}' does not have an output named '{oname}'")
            actual.setdefault(res.hashes[oname].hex, set()).add(oname)
    h = hash_bytes("sha256", drv.unparse(mask_outputs, actual))
    return DrvHash({oname: h for oname in drv.outputs}, deferred)


def derivation_path(drv: Derivation, store: StoreDir = _DEFAULT_STORE) -> str:
    """The ``.drv`` store path: a text path over the ATerm, referencing sources and input drvs."""
    return store.text_path(drv.name + DRV_EXTENSION, drv.to_aterm(), drv.references)


def hash_placeholder(output_name: str) -> str:
    """``builtins.placeholder``: ``/<base32 sha256("nix-output:<name>")>``."""
    return "/" + hash_bytes("sha256", f"nix-output:{output_name}").base32


def downstream_placeholder(drv_path: str, output_name: str) -> str:
    """Stand-in for a not-yet-known output of a floating CA derivation, as referenced downstream.

    ``/<base32 sha256("nix-upstream-output:<drv hash part>:<output path name>")>``;
    it is what ``"${caDrv.dev}"`` evaluates to, and is rewritten at build time.
    """
    drv_name = store_path_name(drv_path).removesuffix(DRV_EXTENSION)
    clear = f"nix-upstream-output:{store_path_hash_part(drv_path)}:{output_path_name(drv_name, output_name)}"
    return "/" + hash_bytes("sha256", clear).base32


def fill_output_paths(drv: Derivation, input_hashes: InputHashes, store: StoreDir = _DEFAULT_STORE) -> None:
    """Compute and store the output paths of a fresh derivation, as ``derivationStrict`` does.

    The caller sets up ``outputs`` (keys are the output names; use
    ``DerivationOutput.fixed`` for a fixed output, or a ``hash_algo`` without
    hash for floating CA) and the rest of the derivation.  Then:

    * fixed output: its path comes from the content hash; ``env["out"]`` is set;
    * floating CA / impure: env vars get ``hash_placeholder`` values, paths stay empty;
    * otherwise: outputs and their env vars are blanked, the masked hash modulo is
      taken, and each output's path and env var become ``makeOutputPath`` of it
      (left blank if an input is deferred).
    """
    kinds = drv.kinds()
    if kinds == {OutputKind.FIXED}:
        o = drv.outputs["out"]
        o.path = o.fixed_path(store, drv.name, "out")
        drv.env["out"] = o.path
        return
    if kinds & {OutputKind.FLOATING, OutputKind.IMPURE}:
        for oname in drv.outputs:
            drv.env[oname] = hash_placeholder(oname)
        return
    for oname in drv.outputs:
        drv.env[oname] = ""
        drv.outputs[oname] = DerivationOutput()
    res = hash_derivation_modulo(drv, input_hashes, True, store)
    if res.deferred:
        return
    for oname in drv.outputs:
        path = store.make_output_path(oname, res.hashes[oname], drv.name)
        drv.env[oname] = path
        drv.outputs[oname] = DerivationOutput(path)


class DrvHashCache:
    """Memoised hash modulo per ``.drv`` path (Nix's global ``drvHashes``).

    Derivations instantiated in this process should be ``remember``-ed (as Nix
    does right after writing them), so nothing is re-read; anything else is
    loaded with ``load`` (by default from the file system at the ``.drv`` path).
    """

    def __init__(
        self,
        store: StoreDir = _DEFAULT_STORE,
        load: Callable[[str], Derivation] | None = None,
    ) -> None:
        self.store = store
        self._load = load if load is not None else read_derivation
        self._hashes: dict[str, DrvHash] = {}

    def __call__(self, drv_path: str) -> DrvHash:
        cached = self._hashes.get(drv_path)
        if cached is None:
            cached = hash_derivation_modulo(self._load(drv_path), self, False, self.store)
            self._hashes[drv_path] = cached
        return cached

    def remember(self, drv_path: str, drv: Derivation) -> DrvHash:
        """Record the (unmasked) hash modulo of a derivation known to live at ``drv_path``."""
        h = hash_derivation_modulo(drv, self, False, self.store)
        self._hashes[drv_path] = h
        return h

    def instantiate(self, drv: Derivation) -> str:
        """Fill in output paths, compute the ``.drv`` path and remember it; returns the path.

        Writing the ATerm to a store is the caller's business (``drv.to_aterm()``).
        """
        fill_output_paths(drv, self, self.store)
        drv_path = derivation_path(drv, self.store)
        self.remember(drv_path, drv)
        return drv_path
