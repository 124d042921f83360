"""realise() against real Nix: Nix builds the same .drv (exported from pydock's store) in its own store.

Outputs must come out byte-identical (NAR), with the same references, NAR
hashes and database rows, the same builder environment and build-directory
files, and the same error messages; and Nix must accept pydock's store.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from localstore_support import SYSTEM, NixFailed, NixStore, shell_drv
from pydock.builders.realisation.builtin_builders import BuildContext, builtin_builder
from pydock.builders.realisation.realise import BuildError, realise
from pydock.evaluator.errors import format_error
from pydock.store.derivation import Derivation, DerivationOutput, hash_placeholder
from pydock.store.hashes import Hash, hash_bytes
from pydock.store.local import TEMP_PREFIX, LocalStore
from pydock.store.nar import dump_string, nar_bytes
from pydock.store.paths import FileIngestionMethod
from test_localstore_store import rows

pytestmark = pytest.mark.usefixtures("sandbox")


def nix_build(nix_store: NixStore, nix_view: NixStore, drv_path: str) -> None:
    nix_store.import_closure_from(nix_view, drv_path)
    nix_store.realise(drv_path)


def compare_outputs(store: LocalStore, nix_store: NixStore, nix_view: NixStore, outputs: dict[str, str]) -> None:
    """pydock's and Nix's builds of the same outputs agree, and Nix reads pydock's store the same way."""
    paths = sorted(outputs.values())
    ours, theirs = rows(Path(store.root)), rows(nix_store.root)
    assert {p: ours[p] for p in paths} == {p: theirs[p] for p in paths}
    assert nix_view.path_infos(*paths) == nix_store.path_infos(*paths)
    for path in paths:
        assert nix_view.dump(path) == nar_bytes(store.real_path(path))
    assert nix_view.closure(*paths) == store.query_closure(paths)
    nix_view.verify()


def _no_temp_dirs(store: LocalStore) -> bool:
    return not [n for n in os.listdir(store.real_store_dir) if n.startswith(TEMP_PREFIX)]


def test_multi_output_build_matches_nix(store: LocalStore, nix_store: NixStore, nix_view: NixStore) -> None:
    src = store.add_text("data.txt", "some input\n", [])
    dep = store.add_derivation(
        shell_drv("dep", f"mkdir $out; cp {src} $out/copy; echo {src} > $out/ref", input_srcs={src})
    )
    dep_out = store.read_derivation(dep).outputs["out"].path
    top = store.add_derivation(
        shell_drv(
            "top",
            "mkdir -p $out/bin $dev; printf '#!/bin/sh\\necho hi\\n' > $out/bin/hi; chmod +x $out/bin/hi;"
            "ln -s $out/bin/hi $out/self-link; echo $dep/ref > $out/uses-dep; echo $out > $dev/points-to-out;"
            "printf 'binary\\000%s\\000' $dep > $out/blob; touch $dev/empty",
            outputs=("out", "dev"),
            env={"dep": dep_out},
            input_drvs={dep: {"out"}},
        )
    )
    outputs = realise(store, top)
    assert set(outputs) == {"out", "dev"}
    info = store.query_path_info(outputs["out"])
    assert info.references == {outputs["out"], dep_out}  # self-reference and the input, not the unused src
    assert store.query_references(outputs["dev"]) == {outputs["out"]}
    assert info.deriver == top and info.ultimate
    assert realise(store, top) == outputs  # nothing left to build
    assert _no_temp_dirs(store)
    nix_build(nix_store, nix_view, top)
    compare_outputs(store, nix_store, nix_view, {**outputs, "dep": dep_out})


ENV_DUMP = (
    "mkdir $out; env | grep -v -e ^NIX_ATTRS -e ^_= | sort > $out/env; id -u > $out/uid; id -g > $out/gid;"
    "hostname > $out/hostname; pwd > $out/pwd; ls -a $NIX_BUILD_TOP | sort > $out/build-dir;"
    "ls /nix/store | sort > $out/store; cat $NIX_BUILD_TOP/.attr-* > $out/attr-files 2>/dev/null || true;"
    "test -w /tmp && echo tmp-writable > $out/tmp; umask > $out/umask"
)


def test_environment_matches_nix(store: LocalStore, nix_store: NixStore, nix_view: NixStore) -> None:
    src = store.add_text("input", "x", [])
    drv = shell_drv(
        "env-check",
        ENV_DUMP,
        env={
            "passAsFile": "big other",
            "big": f"passed as a file, with the output path {hash_placeholder('out')}",
            "other": "second\nfile",
            "plain": f"placeholder {hash_placeholder('out')} is rewritten",
            "src": src,
        },
        input_srcs={src},
    )
    top = store.add_derivation(drv)
    out = realise(store, top)["out"]
    env = Path(store.real_path(out), "env").read_text()
    assert f"plain=placeholder {out} is rewritten" in env
    assert "bigPath=/build/.attr-" in env and "big=" not in env
    nix_build(nix_store, nix_view, top)
    compare_outputs(store, nix_store, nix_view, {"out": out})


def test_structured_attrs_match_nix(store: LocalStore, nix_store: NixStore, nix_view: NixStore) -> None:
    dep = store.add_derivation(shell_drv("dep", "echo dep > $out"))
    dep_out = store.read_derivation(dep).outputs["out"].path
    attrs = {
        "name": "structured",
        "system": SYSTEM,
        "builder": "/bin/bash",
        "outputs": ["out", "dev"],
        "str": 'it\'s "quoted" ${x} \n newline ü',
        "int": 42,
        "neg": -7,
        "float": 1.5,
        "whole": 3.0,
        "yes": True,
        "no": False,
        "nothing": None,
        "list": ["a", 1, True, None],
        "nested": [["no"]],
        "obj": {"k": "v", "n": 2},
        "deep": {"k": {"x": 1}},
        "bad-name": "skipped in .attrs.sh",
        "placeholder": hash_placeholder("dev"),
        "exportReferencesGraph": {"graph": [dep_out]},
    }
    script = (
        "export PATH=/usr/bin:/bin; set -e; source $NIX_BUILD_TOP/.attrs.sh; out=${outputs[out]}; "
        "mkdir $out ${outputs[dev]}; cp $NIX_BUILD_TOP/.attrs.json $NIX_BUILD_TOP/.attrs.sh $out/; "
        "env | grep -v -e ^NIX_ATTRS -e ^_= -e ^SHLVL | sort > $out/env; declare -p list obj > $out/declared"
    )
    drv = Derivation(
        name="structured",
        outputs={"out": DerivationOutput(), "dev": DerivationOutput()},
        input_drvs={dep: {"out"}},
        platform=SYSTEM,
        builder="/bin/bash",
        args=["-c", script],
        env={"__json": json.dumps(attrs, sort_keys=True, separators=(",", ":"))},
    )
    top = store.add_derivation(drv)
    outputs = realise(store, top)
    written = json.loads(Path(store.real_path(outputs["out"]), ".attrs.json").read_text())
    assert written["outputs"] == outputs and written["placeholder"] == outputs["dev"]
    assert written["graph"][0]["path"] == dep_out
    nix_build(nix_store, nix_view, top)
    compare_outputs(store, nix_store, nix_view, outputs)


def test_export_references_graph_matches_nix(store: LocalStore, nix_store: NixStore, nix_view: NixStore) -> None:
    a = store.add_text("a", "A", [])
    b = store.add_text("b", "B " + a, [a])
    dep = store.add_derivation(shell_drv("dep", f"echo {b} > $out", input_srcs={b}))
    dep_out = store.read_derivation(dep).outputs["out"].path
    top = store.add_derivation(
        shell_drv(
            "graph",
            "mkdir $out; cp $NIX_BUILD_TOP/g1 $NIX_BUILD_TOP/g2 $out/",
            env={"exportReferencesGraph": f"g1 {dep_out} g2 {b}/inside"},
            input_drvs={dep: {"out"}},
            input_srcs={b},
        )
    )
    out = realise(store, top)["out"]
    entries = {a: f"{a}\n\n0\n", b: f"{b}\n\n1\n{a}\n"}
    assert Path(store.real_path(out), "g2").read_text() == "".join(entries[p] for p in sorted(entries))
    nix_build(nix_store, nix_view, top)
    compare_outputs(store, nix_store, nix_view, {"out": out})


def test_failed_build_registers_nothing(store: LocalStore, nix_store: NixStore, nix_view: NixStore) -> None:
    drv_path = store.add_derivation(
        shell_drv("broken", "mkdir $out; for i in $(seq 1 12); do echo line $i; done; echo oops >&2; exit 3")
    )
    out = store.read_derivation(drv_path).outputs["out"].path
    with pytest.raises(BuildError) as info:
        realise(store, drv_path)
    ours = format_error(str(info.value), None)
    assert not store.is_valid(out) and not os.path.lexists(store.real_path(out))
    assert _no_temp_dirs(store)
    log = nix_view.run("nix-store", "-l", drv_path).decode()
    assert log.splitlines() == [f"line {i}" for i in range(1, 13)] + ["oops"]
    nix_store.import_closure_from(nix_view, drv_path)
    with pytest.raises(NixFailed) as nix_info:
        nix_store.realise(drv_path)
    # Nix has already streamed the log to stderr, so its message stops where pydock adds the tail
    theirs = nix_info.value.stderr[nix_info.value.stderr.index("error: ") :].rstrip()
    assert ours.startswith(theirs + ";\n       last 10 log lines:\n       > line 4\n")
    assert ours.endswith(f"> oops\n       For full logs, run 'pydock log --store {store.root} {drv_path}'.")
    nix_view.verify()


def test_fixed_output(store: LocalStore, nix_store: NixStore, nix_view: NixStore) -> None:
    content = b"fixed content\n"
    good = Derivation(
        name="fixed",
        outputs={"out": DerivationOutput.fixed(FileIngestionMethod.FLAT, hash_bytes("sha256", content))},
        platform=SYSTEM,
        builder="/bin/sh",
        args=["-c", "printf 'fixed content\\n' > $out"],
        env={"name": "fixed", "system": SYSTEM, "builder": "/bin/sh"},
    )
    drv_path = store.add_derivation(good)
    out = realise(store, drv_path)["out"]
    assert out == store.store_dir.make_fixed_output_path(
        FileIngestionMethod.FLAT, hash_bytes("sha256", content), "fixed"
    )
    assert store.query_path_info(out).ca == "fixed:sha256:" + hash_bytes("sha256", content).base32
    nix_build(nix_store, nix_view, drv_path)
    compare_outputs(store, nix_store, nix_view, {"out": out})

    wrong = Hash("sha256", bytes(32))
    bad = Derivation(
        name="fixed",
        outputs={"out": DerivationOutput.fixed(FileIngestionMethod.RECURSIVE, wrong)},
        platform=SYSTEM,
        builder="/bin/sh",
        args=["-c", "printf 'other content\\n' > $out"],
        env={"name": "fixed", "system": SYSTEM, "builder": "/bin/sh"},
    )
    bad_path = store.add_derivation(bad)
    with pytest.raises(BuildError) as info:
        realise(store, bad_path)
    assert not store.is_valid(bad.outputs["out"].path)
    nix_store.import_closure_from(nix_view, bad_path)
    with pytest.raises(NixFailed) as nix_info:
        nix_store.realise(bad_path)
    assert format_error(str(info.value), None) in nix_info.value.stderr
    # like Nix, the wrong content is kept under the path it actually deserves
    got_path = store.store_dir.make_fixed_output_path(
        FileIngestionMethod.RECURSIVE, hash_bytes("sha256", dump_string(b"other content\n")), "fixed"
    )
    assert store.is_valid(got_path) and nix_store.lines("--check-validity", "--print-invalid", got_path) == []


def test_allowed_references_match_nix(store: LocalStore, nix_store: NixStore, nix_view: NixStore) -> None:
    a = store.add_text("a", "A", [])
    drv_path = store.add_derivation(
        shell_drv("refs", f"echo {a} > $out", env={"allowedReferences": ""}, input_srcs={a})
    )
    with pytest.raises(BuildError) as info:
        realise(store, drv_path)
    nix_store.import_closure_from(nix_view, drv_path)
    with pytest.raises(NixFailed) as nix_info:
        nix_store.realise(drv_path)
    assert format_error(str(info.value), None) in nix_info.value.stderr


def test_missing_output_and_platform(store: LocalStore) -> None:
    drv_path = store.add_derivation(shell_drv("half", "mkdir $out", outputs=("out", "dev")))
    with pytest.raises(BuildError, match="failed to produce output path for output 'dev'"):
        realise(store, drv_path)
    assert not any(store.is_valid(p) for p in store.derivation_output_paths(store.read_derivation(drv_path)).values())
    foreign = shell_drv("foreign", "true")
    foreign.platform = "riscv64-plan9"
    with pytest.raises(BuildError, match="a 'riscv64-plan9' with features {} is required to build"):
        realise(store, store.add_derivation(foreign))


@builtin_builder("test-writer")
def _test_writer(drv: Derivation, ctx: BuildContext) -> None:
    if drv.env.get("fail"):
        raise RuntimeError("boom")
    os.mkdir(ctx.outputs["out"])
    with open(os.path.join(ctx.outputs["out"], "refs"), "w") as f:
        f.write(f"{ctx.env['input']} {ctx.output_paths['out']}\n")
    ctx.log("wrote refs")
    assert os.path.isfile(ctx.real_path(ctx.env["input"]))


def _builtin_drv(store: LocalStore, builder: str, **env: str) -> str:
    a = store.add_text("in", "data", [])
    drv = Derivation(
        name="builtin",
        outputs={"out": DerivationOutput()},
        input_srcs={a},
        platform="builtin",
        builder=builder,
        env={"name": "builtin", "builder": builder, "system": "builtin", "input": a, **env},
    )
    return store.add_derivation(drv)


def test_pydock_builtin_builder(store: LocalStore, nix_view: NixStore) -> None:
    drv_path = _builtin_drv(store, "builtin:pydock-test-writer")
    out = realise(store, drv_path)["out"]
    info = store.query_path_info(out)
    assert info.references == {out, store.read_derivation(drv_path).env["input"]}
    assert nix_view.run("nix-store", "-l", drv_path).decode() == "wrote refs\n"
    nix_view.verify()

    failing = _builtin_drv(store, "builtin:pydock-test-writer", fail="1")
    with pytest.raises(BuildError) as e:
        realise(store, failing)
    assert str(e.value) == (
        f"builder for '{failing}' failed with exit code 1;\nlast 1 log lines:\n> error: boom\n"
        f"For full logs, run 'pydock log --store {store.root} {failing}'."
    )
    with pytest.raises(BuildError, match="unsupported builtin builder 'pydock-nope'"):
        realise(store, _builtin_drv(store, "builtin:pydock-nope"))


def test_builtin_fetchurl(store: LocalStore, tmp_path: Path) -> None:
    f = tmp_path / "payload"
    f.write_bytes(b"payload\n")
    h = hash_bytes("sha256", b"payload\n")

    def fetch_drv(url: str, h: Hash = h) -> str:
        drv = Derivation(
            name="payload",
            outputs={"out": DerivationOutput.fixed(FileIngestionMethod.FLAT, h)},
            platform="builtin",
            builder="builtin:fetchurl",
            env={"name": "payload", "builder": "builtin:fetchurl", "system": "builtin", "url": url,
                 "outputHashMode": "flat", "outputHashAlgo": "sha256", "outputHash": h.base32},
        )  # fmt: skip
        return store.add_derivation(drv)

    out = realise(store, fetch_drv(f"file://{f}"))["out"]
    assert Path(store.real_path(out)).read_bytes() == b"payload\n"
    with pytest.raises(BuildError, match="builtin builder 'fetchurl' is not supported offline"):
        realise(store, fetch_drv("https://example.org/payload", Hash("sha256", bytes(32))))


def test_custom_logical_store_dir(oracle: None, tmp_path: Path) -> None:
    """A logical store dir that does not exist on the host; files still live in ROOT/nix/store, as in Nix."""
    root = tmp_path / "custom"
    store = LocalStore(str(root), store_dir="/pydock-test-store/store")
    src = store.add_text("in", "input\n", [])
    drv = store.add_derivation(
        shell_drv("custom", "cat $src > $out; echo $src >> $out", env={"src": src}, input_srcs={src})
    )
    out = realise(store, drv)["out"]
    assert out.startswith("/pydock-test-store/store/")
    assert (root / "nix/store" / os.path.basename(out)).read_text() == f"input\n{src}\n"
    view = NixStore(root, "/pydock-test-store/store")
    view.verify()
    assert view.closure(out) == store.query_closure([out]) == {out, src}
    assert view.dump(out) == nar_bytes(store.real_path(out))
    store.close()
