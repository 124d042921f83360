"""Substitution settings, read from the same places and in the same order as Nix 2.8.

Users who have Nix already told it which binary caches to use and which keys
to trust; pydock reads that instead of asking again.  Sources, later ones
overriding earlier ones (``extra-NAME`` appends instead of replacing):

1. Nix's defaults (``https://cache.nixos.org`` with its key);
2. ``$NIX_CONF_DIR/nix.conf`` (``/etc/nix/nix.conf``);
3. the user's Nix files: ``$NIX_USER_CONF_FILES`` if set, else
   ``nix/nix.conf`` under ``$XDG_CONFIG_DIRS`` then ``$XDG_CONFIG_HOME``
   (the home one wins);
4. ``$NIX_CONFIG`` (file syntax, inline);
5. pydock's own file ``$XDG_CONFIG_HOME/pydock/pydock.conf`` (same syntax,
   plus ``packages = FILE`` for the package index);
6. the command line: ``--option NAME VALUE``, ``--substituters``,
   ``--trusted-public-keys``, ``--no-substitute``.

Settings pydock does not use are ignored silently in Nix's files (they are the
user's Nix configuration) but warned about in pydock's file and on the command
line, where a typo would otherwise go unnoticed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import StoreError

__all__ = [
    "DEFAULT_SUBSTITUTERS",
    "DEFAULT_TRUSTED_PUBLIC_KEYS",
    "Settings",
    "SettingsError",
    "load_settings",
]

DEFAULT_SUBSTITUTERS = ["https://cache.nixos.org"]
DEFAULT_TRUSTED_PUBLIC_KEYS = ["cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="]


class SettingsError(StoreError):
    """A configuration file or option that cannot be understood."""


@dataclass
class Settings:
    """What substitution needs to know; field names are Nix's setting names with ``_`` for ``-``."""

    substituters: list[str] = field(default_factory=lambda: list(DEFAULT_SUBSTITUTERS))
    trusted_public_keys: list[str] = field(default_factory=lambda: list(DEFAULT_TRUSTED_PUBLIC_KEYS))
    substitute: bool = True
    require_sigs: bool = True
    netrc_file: str = ""
    connect_timeout: float = 5.0
    """Seconds to wait for a TCP connection (Nix's 0 means curl's 300 s; pydock stays short for offline machines)."""
    stalled_download_timeout: float = 300.0
    """Seconds without data before a download counts as dropped (Nix's default)."""
    http_connections: int = 25
    """Upper bound on parallel transfers (Nix's default)."""
    packages: str | None = None
    """The package index file (pydock only: ``packages = FILE`` in pydock.conf, or ``--option packages``)."""
    warnings: list[str] = field(default_factory=list)
    """Messages for the user (unknown settings); the CLI prints them as ``warning: …``."""


_LIST = {"substituters", "trusted-public-keys"}
_ALIASES = {
    "binary-caches": "substituters",
    "binary-cache-public-keys": "trusted-public-keys",
    "build-use-substitutes": "substitute",
    "binary-caches-parallel-connections": "http-connections",
}
_BOOL = {"substitute", "require-sigs"}
_FLOAT = {"connect-timeout", "stalled-download-timeout"}
_INT = {"http-connections"}
_STR = {"netrc-file", "packages"}
KNOWN = _LIST | _BOOL | _FLOAT | _INT | _STR


def _conf_dir() -> str:
    return os.environ.get("NIX_CONF_DIR") or "/etc/nix"


def _config_home() -> str:
    return os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")


def user_nix_conf_files() -> list[str]:
    """Nix's ``getUserConfigFiles``, most important first."""
    env = os.environ.get("NIX_USER_CONF_FILES")
    if env is not None:
        return [p for p in env.split(":") if p]
    dirs = [_config_home()] + [d for d in (os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":") if d]
    return [os.path.join(d, "nix", "nix.conf") for d in dirs]


def pydock_conf_file() -> str:
    return os.path.join(_config_home(), "pydock", "pydock.conf")


class _Applier:
    """Applies ``name = value`` assignments to a ``Settings`` in order."""

    def __init__(self, settings: Settings) -> None:
        self.s = settings

    def set(self, name: str, value: str, where: str, strict: bool, base_dir: str | None = None) -> None:
        append = name.startswith("extra-")
        key = name[len("extra-") :] if append else name
        key = _ALIASES.get(key, key)
        if key not in KNOWN or append and key not in _LIST:
            if strict:
                self.s.warnings.append(f"unknown setting '{name}'")
            return
        attr = key.replace("-", "_")
        if key in _LIST:
            items = value.split()
            setattr(self.s, attr, (getattr(self.s, attr) if append else []) + items)
        elif key in _BOOL:
            if value not in ("true", "false"):
                raise SettingsError(f"Boolean setting '{name}' has invalid value '{value}' ({where})")
            setattr(self.s, attr, value == "true")
        elif key in _FLOAT or key in _INT:
            try:
                number: float = int(value) if key in _INT else float(value)
            except ValueError:
                raise SettingsError(f"setting '{name}' has invalid value '{value}' ({where})") from None
            if number < 0:
                raise SettingsError(f"setting '{name}' has invalid value '{value}' ({where})")
            setattr(self.s, attr, number)
        else:
            if value and base_dir is not None and key == "packages":
                value = os.path.join(base_dir, os.path.expanduser(value))
            setattr(self.s, attr, value or None if key == "packages" else value)

    def apply_text(self, text: str, where: str, strict: bool, base_dir: str | None, depth: int = 0) -> None:
        """Nix's ``applyConfig``: comments, ``include``/``!include``, ``name = value``."""
        for n, raw in enumerate(text.split("\n"), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            words = line.split()
            if words[0] in ("include", "!include"):
                if len(words) != 2:
                    raise SettingsError(f"syntax error in configuration line '{raw.strip()}' in '{where}'")
                target = words[1] if base_dir is None else os.path.join(base_dir, words[1])
                if os.path.exists(target):
                    if depth > 32:
                        raise SettingsError(f"too many nested includes at '{target}'")
                    self.apply_file(target, strict, depth + 1)
                elif words[0] == "include":
                    raise SettingsError(f"file '{target}' included from '{where}' not found")
                continue
            name, eq, value = line.partition("=")
            name = name.strip()
            if not eq or not name or len(name.split()) != 1:
                raise SettingsError(f"syntax error in configuration line '{raw.strip()}' in '{where}' (line {n})")
            self.set(name, " ".join(value.split()), f"{where}:{n}", strict, base_dir)

    def apply_file(self, path: str, strict: bool, depth: int = 0) -> None:
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as f:
                text = f.read()
        except FileNotFoundError:
            return
        except OSError as e:
            raise SettingsError(f"cannot read configuration file '{path}': {e.strerror}") from None
        self.apply_text(text, path, strict, os.path.dirname(os.path.abspath(path)), depth)


def load_settings(
    options: Iterable[tuple[str, str]] = (),
    substituters: str | None = None,
    trusted_public_keys: str | None = None,
    no_substitute: bool = False,
    read_files: bool = True,
) -> Settings:
    """All configuration sources applied in Nix's order, then the command line (see the module docstring)."""
    s = Settings()
    a = _Applier(s)
    if read_files:
        a.apply_file(os.path.join(_conf_dir(), "nix.conf"), strict=False)
        for path in reversed(user_nix_conf_files()):
            a.apply_file(path, strict=False)
        env = os.environ.get("NIX_CONFIG")
        if env:
            a.apply_text(env, "NIX_CONFIG", strict=False, base_dir=None)
        a.apply_file(pydock_conf_file(), strict=True)
        if not s.netrc_file:
            s.netrc_file = os.path.join(_conf_dir(), "netrc")
    for name, value in options:
        a.set(name, value, "--option", strict=True, base_dir=os.getcwd())
    if substituters is not None:
        a.set("substituters", substituters, "--substituters", strict=True)
    if trusted_public_keys is not None:
        a.set("trusted-public-keys", trusted_public_keys, "--trusted-public-keys", strict=True)
    if no_substitute:
        s.substitute = False
    return s
