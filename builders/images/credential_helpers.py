"""Docker credential helpers: ``docker-credential-<name> get`` as docker, podman and skopeo run them.

A credentials file may hand a registry's credentials to a helper program instead
of holding them: ``credHelpers`` maps a registry host to a helper name, and
``credsStore`` (docker's ``config.json``) names the helper for every other
registry.  The protocol (docker/docker-credential-helpers): run
``docker-credential-<name> get`` with the server's address on stdin; it prints
``{"ServerURL": …, "Username": …, "Secret": …}``, or fails with
``credentials not found in native keychain`` when it has nothing for that
server (which means: no credentials, not an error).  A ``Username`` of
``<token>`` says the secret is an identity token (an OAuth2 refresh token),
which only a token server accepts.

The secret never enters a message: errors quote the helper's output only when
it is not JSON, and then at most its first line, which a failing helper uses for
its error text.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from pydock.builders.errors import BuildError

__all__ = ["CredentialHelperError", "HelperAnswer", "IDENTITY_TOKEN_USER", "helper_get"]

# The user name that marks the secret as an identity token.
IDENTITY_TOKEN_USER = "<token>"
# What every helper prints (and exits non-zero) when it has no credentials for the server.
NOT_FOUND = "credentials not found in native keychain"
TIMEOUT = 60


class CredentialHelperError(BuildError):
    """A credential helper that is missing, fails, or answers something that is not its protocol."""


class HelperAnswer:
    """A helper's credentials; the secret stays out of ``repr``."""

    __slots__ = ("username", "secret")

    def __init__(self, username: str, secret: str) -> None:
        self.username = username
        self.secret = secret

    def __repr__(self) -> str:
        return f"HelperAnswer(username={self.username!r})"


def _first_line(text: bytes) -> str:
    """A failing helper's message: its first line, unless that looks like a JSON answer (which may
    hold a secret)."""
    line = text.decode("utf-8", "replace").strip().splitlines()[0] if text.strip() else ""
    return "" if line.lstrip().startswith(("{", "[", '"')) else line[:200]


def helper_get(helper: str, server: str, source: str) -> HelperAnswer | None:
    """Ask ``docker-credential-<helper>`` for ``server``'s credentials; None when it has none.

    ``source`` is the file that named the helper, for messages.
    """
    program = f"docker-credential-{helper}"
    where = f"credential helper '{program}' (named in {source})"
    if not helper or "/" in helper:
        raise CredentialHelperError(f"invalid {where}: a helper name must be a plain name")
    path = shutil.which(program)
    if path is None:
        raise CredentialHelperError(f"{where} was not found on PATH")
    try:
        proc = subprocess.run(
            [path, "get"], input=server.encode(), capture_output=True, timeout=TIMEOUT,
            env=dict(os.environ), check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise CredentialHelperError(f"{where} did not answer for '{server}' within {TIMEOUT} s") from None
    except OSError as e:
        raise CredentialHelperError(f"{where} could not be run: {e.strerror}") from None
    if proc.returncode != 0:
        said = _first_line(proc.stdout) or _first_line(proc.stderr)
        if NOT_FOUND in said:
            return None
        raise CredentialHelperError(
            f"{where} failed for '{server}' with exit status {proc.returncode}" + (f": {said}" if said else "")
        )
    try:
        answer = json.loads(proc.stdout)
    except ValueError:
        raise CredentialHelperError(f"{where} answered for '{server}' with something that is not JSON") from None
    if not isinstance(answer, dict):
        raise CredentialHelperError(f"{where} answered for '{server}' with JSON that is not an object")
    username, secret = answer.get("Username"), answer.get("Secret")
    if not isinstance(username, str) or not isinstance(secret, str):
        raise CredentialHelperError(
            f"{where} answered for '{server}' without string fields 'Username' and 'Secret'"
        )  # fmt: skip
    if not secret:
        return None
    return HelperAnswer(username, secret)
