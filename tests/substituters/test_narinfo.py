"""narinfo, nix-cache-info and signatures against what real Nix wrote into the caches."""

from __future__ import annotations

import pytest
from cache_fixture import COMPRESSIONS, BinaryCaches
from pydock.store.narinfo import CorruptCacheFile, parse_cache_info, parse_narinfo
from pydock.store.paths import StoreDir
from pydock.store.signatures import BadKey, PublicKey, SecretKey, fingerprint, parse_public_keys, verify_any


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_narinfos_round_trip_byte_for_byte(binary_caches: BinaryCaches, compression: str) -> None:
    cache = binary_caches.dirs[compression]
    files = sorted(cache.glob("*.narinfo"))
    assert len(files) == len(binary_caches.paths)
    for f in files:
        text = f.read_text()
        info = parse_narinfo(text, str(f), StoreDir())
        assert info.to_text() == text
        assert info.compression == compression
        assert (cache / info.url).stat().st_size == info.file_size


def test_fields_and_references_are_full_paths(binary_caches: BinaryCaches) -> None:
    app = binary_caches.paths["app"]
    f = binary_caches.dirs["xz"] / (app.split("/")[-1].split("-")[0] + ".narinfo")
    info = parse_narinfo(f.read_text(), str(f), StoreDir())
    assert info.store_path == app
    assert set(info.references) == {binary_caches.paths["tools"], binary_caches.paths["busybox"]}
    assert info.deriver == binary_caches.drv_paths["app"]


def test_signatures_match_nix(binary_caches: BinaryCaches) -> None:
    """ed25519 is deterministic: signing Nix's fingerprint with the same key gives Nix's Sig line."""
    sk = SecretKey.parse(binary_caches.secret_key_file.read_text())
    assert str(sk.public()) == binary_caches.public_key
    keys = parse_public_keys([binary_caches.public_key])
    for f in binary_caches.dirs["zstd"].glob("*.narinfo"):
        info = parse_narinfo(f.read_text(), str(f), StoreDir())
        fp = fingerprint(info.store_path, info.nar_hash, info.nar_size, info.references)
        assert info.sigs == [sk.sign(fp)]
        assert verify_any(fp, info.sigs, keys)
        assert not verify_any(fp.replace(";1", ";2", 1) + "x", info.sigs, keys)


def test_cache_info(binary_caches: BinaryCaches) -> None:
    text = (binary_caches.dirs["xz"] / "nix-cache-info").read_text()
    info = parse_cache_info(text, "nix-cache-info")
    assert info.store_dir == "/nix/store"
    assert info.priority == 50 and not info.want_mass_query
    info = parse_cache_info("StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n", "x")
    assert (info.priority, info.want_mass_query) == (40, True)


@pytest.mark.parametrize(
    ("text", "wording"),
    [
        ("URL: nar/x\nNarHash: sha256:0\nNarSize: 1\n", "'StorePath' is missing"),
        ("StorePath: /nix/store/" + "a" * 32 + "-x\nURL: u\nNarHash: sha256:zz\nNarSize: 1\n", "corrupt"),
        ("StorePath: /elsewhere/" + "a" * 32 + "-x\nURL: u\nNarHash: sha256:zz\nNarSize: 1\n", "not in the Nix store"),
        ("StorePath /nix/store/x\n", "is not 'Key: value'"),
    ],
)
def test_malformed_narinfo(text: str, wording: str) -> None:
    with pytest.raises(CorruptCacheFile) as e:
        parse_narinfo(text, "http://cache/x.narinfo", StoreDir())
    assert "NAR info file 'http://cache/x.narinfo' is corrupt" in str(e.value)
    assert wording in str(e.value)


@pytest.mark.parametrize("key", ["nokey", "name:not base64!", "name:AAAA"])
def test_bad_public_key(key: str) -> None:
    with pytest.raises(BadKey):
        PublicKey.parse(key)
