"""Image references and registry credentials, as the containers tools understand them.

Two jobs a registry client needs before it sends a byte:

* turn ``nixos/nix`` or ``127.0.0.1:5000/app`` into a registry host and a
  repository, and into the normalised name (``docker.io/library/nix``) that
  skopeo writes into ``RepoTags``;
* find the user's credentials for that registry in the files podman, skopeo and
  docker read (``$REGISTRY_AUTH_FILE``, ``$XDG_RUNTIME_DIR/containers/auth.json``,
  ``~/.docker/config.json``), in the file itself (``auths``) or from the
  credential helper it names (``credHelpers``, ``credsStore``; see
  :mod:`~pydock.builders.images.credential_helpers`).

:class:`Credentials` never shows its secret in ``repr``/``str``, so an error
message or a log line that mentions one cannot leak it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from dataclasses import dataclass, field

from pydock.builders.errors import BuildError
from pydock.builders.images.credential_helpers import IDENTITY_TOKEN_USER, helper_get

__all__ = [
    "DOCKER_HUB",
    "Credentials",
    "ImageName",
    "ReferenceError",
    "check_tag",
    "find_credentials",
    "parse_image_name",
]

DOCKER_HUB = "docker.io"
# Where docker.io's API really lives.
DOCKER_HUB_API = "registry-1.docker.io"

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}(?::[0-9]+)?|\[[0-9a-fA-F:.]+\](?::[0-9]+)?")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


class ReferenceError(BuildError, ValueError):
    """An image name, tag or digest that is not well formed."""


@dataclass(frozen=True)
class ImageName:
    """A normalised repository name: ``domain`` (``docker.io`` for Docker Hub) and ``path``."""

    domain: str
    path: str

    @property
    def full(self) -> str:
        """``docker.io/library/nix``: what skopeo writes into ``RepoTags`` and ``repositories``."""
        return f"{self.domain}/{self.path}"

    @property
    def api_host(self) -> str:
        """The host that answers the registry API for this name."""
        return DOCKER_HUB_API if self.domain == DOCKER_HUB else self.domain


def parse_image_name(name: str) -> ImageName:
    """Docker's ``ParseNormalizedNamed`` for a name without tag or digest.

    The first component is a registry when it holds a ``.`` or ``:`` or is
    ``localhost``; otherwise the name is on Docker Hub, where one-component
    names live under ``library/``.
    """
    if not name or name != name.strip():
        raise ReferenceError(f"invalid image name '{name}'")
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        domain, path = first, rest
        if not _DOMAIN.fullmatch(domain):
            raise ReferenceError(f"invalid registry '{domain}' in image name '{name}'")
    else:
        domain, path = DOCKER_HUB, name
    if domain == "index.docker.io":
        domain = DOCKER_HUB
    if domain == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    if not _PATH.fullmatch(path):
        raise ReferenceError(f"invalid image name '{name}' (repository names are lower-case)")
    if len(f"{domain}/{path}") > 255:
        raise ReferenceError(f"image name '{name}' is longer than 255 characters")
    return ImageName(domain, path)


def check_tag(tag: str) -> str:
    """``tag`` if it is a valid image tag (the distribution spec's grammar), else a ``ReferenceError``."""
    if not _TAG.fullmatch(tag):
        raise ReferenceError(f"invalid image tag '{tag}'")
    return tag


def check_digest(digest: str) -> str:
    if not DIGEST.fullmatch(digest):
        raise ReferenceError(f"invalid image digest '{digest}' (expected sha256:<64 hex digits>)")
    return digest


@dataclass(frozen=True)
class Credentials:
    """A user name and secret for one registry; the secret stays out of ``repr``."""

    username: str
    password: str = field(repr=False)
    source: str = ""  # the file (or helper) they came from, for messages

    @property
    def identity_token(self) -> bool:
        """True when ``password`` is an identity token (a helper's ``<token>`` user), which only a
        token server takes (as an OAuth2 refresh token), never a registry directly."""
        return self.username == IDENTITY_TOKEN_USER

    def __str__(self) -> str:
        who = "identity token" if self.identity_token else f"credentials of '{self.username}'"
        return who + (f" from {self.source}" if self.source else "")


def auth_files() -> list[str]:
    """The credential files to consult, most specific first (containers-auth.json(5) and docker's)."""
    files: list[str] = []
    if os.environ.get("REGISTRY_AUTH_FILE"):
        files.append(os.environ["REGISTRY_AUTH_FILE"])
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        files.append(os.path.join(runtime, "containers", "auth.json"))
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    files.append(os.path.join(config_home, "containers", "auth.json"))
    docker_config = os.environ.get("DOCKER_CONFIG") or os.path.expanduser("~/.docker")
    files.append(os.path.join(docker_config, "config.json"))
    return files


def _auth_keys(registry: str) -> list[str]:
    """The ``auths`` keys that may name ``registry`` (Docker Hub has its historical URL)."""
    keys = [registry, f"https://{registry}", f"http://{registry}", f"https://{registry}/v1/", f"https://{registry}/v2/"]
    if registry in (DOCKER_HUB, DOCKER_HUB_API, "index.docker.io"):
        keys += ["https://index.docker.io/v1/", "index.docker.io", DOCKER_HUB, DOCKER_HUB_API]
    return keys


def find_credentials(registry: str, repository: str = "") -> Credentials | None:
    """The first credentials for ``registry`` (or ``registry/repository`` prefixes) in :func:`auth_files`.

    In each file, as docker does: the helper ``credHelpers`` names for the
    registry, else the ``credsStore`` helper, else the ``auths`` entry (also
    when the helper has nothing for the registry).  Unreadable or malformed
    files are skipped: they are the user's, and a pull of a public image must
    not fail because of them.  A helper that is missing or fails is an error
    (:class:`~pydock.builders.images.credential_helpers.CredentialHelperError`):
    the user asked for it.
    """
    parts = repository.split("/")
    scoped = [f"{registry}/{'/'.join(parts[:i])}" for i in range(len(parts), 0, -1)] if repository else []
    for path in auth_files():
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        creds = _from_helper(data, registry, path)
        if creds is not None:
            return creds
        auths = data.get("auths")
        if not isinstance(auths, dict):
            continue
        for key in scoped + _auth_keys(registry):
            entry = auths.get(key)
            creds = _decode_entry(entry, path) if isinstance(entry, dict) else None
            if creds is not None:
                return creds
    return None


def _helper_server(registry: str) -> str:
    """The server address a helper stores a registry's credentials under (what ``docker login`` uses)."""
    if registry in (DOCKER_HUB, DOCKER_HUB_API, "index.docker.io"):
        return "https://index.docker.io/v1/"
    return registry


def _from_helper(data: dict, registry: str, path: str) -> Credentials | None:
    """Credentials from the helper a file names for ``registry`` (``credHelpers``, then ``credsStore``)."""
    helper: str | None = None
    per_registry = data.get("credHelpers")
    if isinstance(per_registry, dict):
        helper = next((per_registry[k] for k in _auth_keys(registry) if isinstance(per_registry.get(k), str)), None)
    if helper is None and isinstance(data.get("credsStore"), str) and data["credsStore"]:
        helper = data["credsStore"]
    if helper is None:
        return None
    answer = helper_get(helper, _helper_server(registry), path)
    if answer is None:
        return None
    return Credentials(answer.username, answer.secret, f"docker-credential-{helper} (named in {path})")


def _decode_entry(entry: dict, source: str) -> Credentials | None:
    if isinstance(entry.get("username"), str) and isinstance(entry.get("password"), str):
        return Credentials(entry["username"], entry["password"], source)
    auth = entry.get("auth")
    if not isinstance(auth, str) or not auth:
        return None
    try:
        user, sep, password = base64.b64decode(auth, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return Credentials(user, password, source) if sep else None
