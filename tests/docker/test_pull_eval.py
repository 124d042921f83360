"""pullImage's out path follows from its name and hash alone, as real Nix computes it for a fixed output."""

from __future__ import annotations

import json

import pytest
from docker_support import pydock

DIGEST = "sha256:85299d86263a3059cf19f419f9d286cc9f06d3c13146a8ebbb21b3437f598357"
SRI = "sha256-xxZ4UW6jRIVAzlVYA62awcopzcYNViDyh6q1yocF3KU="
BASE32 = "1mql2xkwj0kh5rdp9ws1bd3g7wlrrhfw8ly2ms7w3kxi3lx6c4cz"


@pytest.mark.parametrize(
    ("args", "name", "hash_attrs"),
    [
        ('imageName = "nixos/nix"; hash = "' + SRI + '";', "docker-image-nixos-nix-latest.tar",
         f'outputHash = "{SRI}";'),
        ('imageName = "nixos/nix"; finalImageName = "nix"; finalImageTag = "2.2.1"; sha256 = "' + BASE32 + '";',
         "docker-image-nix-2.2.1.tar", f'outputHash = "{BASE32}"; outputHashAlgo = "sha256";'),
        ('imageName = "127.0.0.1:5000/a/b"; finalImageTag = "x:y"; sha256 = "' + BASE32 + '"; name = "custom";',
         "custom", f'outputHash = "{BASE32}"; outputHashAlgo = "sha256";'),
    ],
)  # fmt: skip
def test_out_path_matches_nix(nix_eval, args, name, hash_attrs):
    expr = f'((import <nixpkgs> {{ }}).dockerTools.pullImage {{ imageDigest = "{DIGEST}"; {args} }}).outPath'
    ours = pydock("eval", "--json", "-E", expr)
    assert ours.returncode == 0, ours.stderr
    nix = nix_eval(f'(derivation {{ name = "{name}"; builder = "x"; system = "x"; outputHashMode = "flat";'
                   f" {hash_attrs} }}).outPath")  # fmt: skip
    assert nix.returncode == 0, nix.stderr
    assert json.loads(ours.stdout) == json.loads(nix.stdout)


def test_default_name_follows_final_image_name(nix_eval):
    proc = pydock("eval", "--json", "-E", f'((import <nixpkgs> {{ }}).dockerTools.pullImage {{ imageName = "a/b";'
                  f' imageDigest = "{DIGEST}"; hash = "{SRI}"; finalImageTag = "t"; }}).name')  # fmt: skip
    assert json.loads(proc.stdout) == "docker-image-a-b-t.tar"


def test_both_hashes_is_an_error():
    proc = pydock("eval", "-E", f'((import <nixpkgs> {{ }}).dockerTools.pullImage {{ imageName = "a";'
                  f' imageDigest = "{DIGEST}"; hash = "{SRI}"; sha256 = "{BASE32}"; }}).outPath')  # fmt: skip
    assert proc.returncode == 1 and "mutually-incompatible arguments" in proc.stderr
