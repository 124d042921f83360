"""Settings: Nix's own ``nix show-config`` is the oracle for how nix.conf files combine."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from pydock.store.settings import DEFAULT_SUBSTITUTERS, DEFAULT_TRUSTED_PUBLIC_KEYS, SettingsError, load_settings

from nix_compat_tests.support import require_tool

K1 = "k1:" + "A" * 43 + "="
K2 = "k2:" + "B" * 43 + "="
K3 = "k3:" + "C" * 43 + "="


@pytest.fixture
def conf_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A system, an XDG system and a user nix.conf, plus NIX_CONFIG, all combining (extra-, include, !include)."""
    sysdir, xdg_sys, home = tmp_path / "etc-nix", tmp_path / "xdg-sys", tmp_path / "home-config"
    for d in (sysdir, xdg_sys / "nix", home / "nix"):
        d.mkdir(parents=True)
    (sysdir / "nix.conf").write_text(
        "# system file\n"
        "substituters = http://a.example   http://a2.example  # trailing comment\n"
        f"trusted-public-keys = {K1}\n"
        "include extra.conf\n"
        "!include missing.conf\n"
        "require-sigs = false\n"
        "connect-timeout = 7\n"
        "some-unknown-setting = whatever\n"
    )
    (sysdir / "extra.conf").write_text("extra-substituters = http://b.example\n")
    (xdg_sys / "nix" / "nix.conf").write_text(
        f"extra-trusted-public-keys = {K2}\nextra-substituters = http://x.example\n"
    )
    (home / "nix" / "nix.conf").write_text(
        "extra-substituters = http://c.example\nnetrc-file = /somewhere/netrc\nbinary-cache-public-keys = " + K3 + "\n"
    )
    monkeypatch.setenv("NIX_CONF_DIR", str(sysdir))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(xdg_sys))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.delenv("NIX_USER_CONF_FILES", raising=False)
    monkeypatch.setenv("NIX_CONFIG", "extra-substituters = http://d.example\nhttp-connections = 3\nrequire-sigs = true")
    return home


def _nix_show_config() -> dict:
    require_tool("nix")
    out = subprocess.run(
        ["nix", "--extra-experimental-features", "nix-command", "show-config", "--json"],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ),
    ).stdout
    return {k: v["value"] for k, v in json.loads(out).items()}


@pytest.mark.nix_oracle
def test_nix_conf_files_combine_as_in_nix(conf_env: Path) -> None:
    nix = _nix_show_config()
    s = load_settings()
    assert s.substituters == nix["substituters"]
    assert s.trusted_public_keys == nix["trusted-public-keys"]
    assert s.require_sigs == nix["require-sigs"]
    assert s.netrc_file == nix["netrc-file"]
    assert s.connect_timeout == nix["connect-timeout"]
    assert s.http_connections == nix["http-connections"]
    assert s.warnings == []  # unknown settings in Nix's files are the user's business


@pytest.mark.nix_oracle
def test_defaults_are_nixs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var, d in (("NIX_CONF_DIR", "n"), ("XDG_CONFIG_HOME", "h"), ("XDG_CONFIG_DIRS", "s")):
        monkeypatch.setenv(var, str(tmp_path / d))
    monkeypatch.delenv("NIX_CONFIG", raising=False)
    nix = _nix_show_config()
    s = load_settings()
    assert [u.rstrip("/") for u in nix["substituters"]] == DEFAULT_SUBSTITUTERS == s.substituters
    assert nix["trusted-public-keys"] == DEFAULT_TRUSTED_PUBLIC_KEYS == s.trusted_public_keys
    assert s.require_sigs and s.substitute
    assert s.netrc_file == nix["netrc-file"]


def test_pydock_conf_then_command_line(conf_env: Path, tmp_path: Path) -> None:
    (conf_env / "pydock").mkdir()
    (conf_env / "pydock" / "pydock.conf").write_text(
        "packages = index.json\nextra-substituters = http://p.example\nno-such-setting = 1\n"
    )
    s = load_settings()
    assert s.packages == str(conf_env / "pydock" / "index.json")  # relative to the file, like include
    assert s.substituters[-1] == "http://p.example"
    assert s.warnings == ["unknown setting 'no-such-setting'"]
    s = load_settings(
        options=[("extra-substituters", "http://o.example"), ("require-sigs", "false"), ("packages", "/abs.json")],
        trusted_public_keys=K1,
        no_substitute=True,
    )
    assert s.substituters[-2:] == ["http://p.example", "http://o.example"]
    assert s.trusted_public_keys == [K1]
    assert not s.require_sigs and not s.substitute
    assert s.packages == "/abs.json"
    s = load_settings(substituters="file:///only")
    assert s.substituters == ["file:///only"]


@pytest.mark.parametrize(
    ("text", "wording"),
    [
        ("require-sigs = maybe\n", "Boolean setting 'require-sigs' has invalid value 'maybe'"),
        ("include nowhere.conf\n", "nowhere.conf' included from"),
        ("just some words\n", "syntax error in configuration line 'just some words'"),
        ("connect-timeout = soon\n", "setting 'connect-timeout' has invalid value 'soon'"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, wording: str) -> None:
    monkeypatch.setenv("NIX_CONF_DIR", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "h"))
    monkeypatch.delenv("NIX_CONFIG", raising=False)
    (tmp_path / "nix.conf").write_text(text)
    with pytest.raises(SettingsError) as e:
        load_settings()
    assert wording in str(e.value)
