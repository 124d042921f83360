"""Evaluator settings: the slice of Nix's configuration that changes what evaluation does.

Current Nix reads these from ``nix.conf``, ``--option NAME VALUE`` and per-setting flags
(``--lint-url-literals fatal``); pydock takes them from ``pydock eval``'s flags and
``--option`` pairs (see ``pydock/cli_options.py``). A setting that is not given keeps the
behaviour of Nix 2.8, pydock's differential oracle, wherever Nix 2.8 and current Nix agree on
the default (all the lints default to ``ignore``, no experimental feature is on).

``EvalSettings.apply`` takes the names it knows from a list of ``(name, value)`` pairs and
hands back the others, so several subsystems (evaluation, substituters…) can share one
``--option`` list; whoever is last warns about what nobody took, as Nix does
(``warning: unknown setting 'foo'``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .errors import NixError

LINT_LEVELS = ("ignore", "warn", "fatal")

# Experimental features current Nix knows (``nix --help-experimental-features`` at 2.36);
# enabling one pydock does not implement is accepted, as Nix accepts features it then ignores.
KNOWN_EXPERIMENTAL_FEATURES = frozenset(
    {
        "auto-allocate-uids", "blake3-hashes", "build-time-fetch-tree", "ca-derivations", "cgroups",
        "configurable-impure-env", "daemon-trust-override", "dynamic-derivations", "external-builders",
        "fetch-closure", "fetch-tree", "flakes", "git-hashing", "impure-derivations", "local-overlay-store",
        "mounted-ssh-store", "nix-command", "no-url-literals", "parse-toml-timestamps", "pipe-operators",
        "read-only-local-store", "recursive-nix", "verified-fetches",
    }
)


class SettingError(NixError):
    """A setting value Nix would refuse (printed as ``error: …`` without a position)."""


def _bool(name: str, value: str) -> bool:
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise SettingError(f"option '{name}' has invalid value '{value}'")


@dataclass
class EvalSettings:
    """What ``--option``/flags set; one object per evaluation session."""

    lint_short_path_literals: str = "ignore"
    lint_absolute_path_literals: str = "ignore"
    lint_url_literals: str = "ignore"
    abort_on_warn: bool = False
    trace_verbose: bool = False
    impure: bool = False
    pure_eval: bool = False  # current Nix's pure evaluation mode (see evaluator/purity.py)
    max_call_depth: int = 10000  # current Nix's default; Nix 2.8 has no such limit
    experimental_features: set[str] = field(default_factory=set)

    _LINTS = {
        "lint-short-path-literals": "lint_short_path_literals",
        "lint-absolute-path-literals": "lint_absolute_path_literals",
        "lint-url-literals": "lint_url_literals",
    }

    @classmethod
    def from_environment(cls) -> EvalSettings:
        """Defaults, plus ``NIX_ABORT_ON_WARN`` (current Nix honours it like ``abort-on-warn``)."""
        s = cls()
        if os.environ.get("NIX_ABORT_ON_WARN", "") not in ("", "0"):
            s.abort_on_warn = True
        return s

    def apply(self, options: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Take the settings this class knows; return the pairs left for other subsystems."""
        rest = []
        for name, value in options:
            if not self.set(name, value):
                rest.append((name, value))
        return rest

    def set(self, name: str, value: str) -> bool:
        """Set one setting by its Nix name; False when the name is not an evaluator setting."""
        attr = self._LINTS.get(name)
        if attr is not None:
            if value not in LINT_LEVELS:
                raise SettingError(
                    f"option '{name}' has invalid value '{value}' (expected 'ignore', 'warn', or 'fatal')"
                )
            setattr(self, attr, value)
            return True
        if name == "abort-on-warn":
            self.abort_on_warn = _bool(name, value)
        elif name == "max-call-depth":
            if not value.isdigit() or int(value) >= 2**32:
                raise SettingError(f"option '{name}' has invalid value '{value}'")
            self.max_call_depth = int(value)
        elif name == "trace-verbose":
            self.trace_verbose = _bool(name, value)
        elif name == "pure-eval":
            self.pure_eval = _bool(name, value)
            self.impure = not self.pure_eval
        elif name in ("experimental-features", "extra-experimental-features"):
            features = set(value.split())
            unknown = sorted(features - KNOWN_EXPERIMENTAL_FEATURES)
            for f in unknown:
                from .warnings import warn

                warn(f"unknown experimental feature '{f}'")
            features -= set(unknown)
            if name == "experimental-features":
                self.experimental_features = features
            else:
                self.experimental_features |= features
        else:
            return False
        return True

    def has_feature(self, name: str) -> bool:
        return name in self.experimental_features

    def url_literal_level(self) -> str:
        """Nix 2.8's experimental ``no-url-literals`` is the same as ``lint-url-literals = fatal``."""
        if self.lint_url_literals == "ignore" and self.has_feature("no-url-literals"):
            return "fatal"
        return self.lint_url_literals
