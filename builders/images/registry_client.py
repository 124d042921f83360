"""A client for the Registry HTTP API v2 (the OCI distribution API), shared by pulls and pushes.

It does what skopeo's ``docker://`` transport does for a pull, with ``requests``:

* **auth**: a ``401`` names its scheme in ``WWW-Authenticate``; ``Bearer``
  fetches a token from the challenge's realm (anonymously, or with the user's
  credentials from :func:`~pydock.builders.images.registry_auth.find_credentials`),
  ``Basic`` sends the credentials directly.  Credentials go only to the
  registry and its token realm: a redirect to another host is followed
  without them, and if that host asks for credentials the request fails.
* **TLS**: always verified, except with ``tls_verify=False`` (nixpkgs'
  ``tlsVerify``), which also allows plain http when the registry does not
  speak TLS (skopeo's ``--src-tls-verify=false``).
* **robustness**: retries with exponential backoff on 429 and 5xx answers and
  on dropped or timed-out connections; every request has a connect and read
  timeout; manifests and configs are read only up to 4 MiB (skopeo's limits);
  blobs are checked against their size and digest while they stream.

Errors are :class:`RegistryError` (a :class:`BuildError`), whose message
names the registry, the repository and what went wrong, never a secret.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, TypeVar

import requests
import urllib3
from pydock.builders.images.registry_auth import Credentials, ImageName, find_credentials
from pydock.builders.realisation.environment import BuildError

__all__ = [
    "INDEX_TYPES",
    "MANIFEST_TYPES",
    "Manifest",
    "Platform",
    "RegistryClient",
    "RegistryError",
    "RetryPolicy",
]

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
SCHEMA1_TYPES = (
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
)
MANIFEST_TYPES = (DOCKER_MANIFEST, OCI_MANIFEST)
INDEX_TYPES = (DOCKER_LIST, OCI_INDEX)

MAX_MANIFEST_BYTES = 4 << 20
MAX_CONFIG_BYTES = 4 << 20
MAX_TOKEN_BYTES = 1 << 20
MAX_REDIRECTS = 5
CHUNK = 1 << 20  # big reads: per-chunk Python work (hash, write, progress) stays small next to the bytes
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
T = TypeVar("T")


class RegistryError(BuildError):
    """A registry request that failed for good (after retries where retrying makes sense)."""


class _Retryable(RegistryError):
    """A failure worth another attempt: a 429/5xx answer or a broken connection."""

    def __init__(self, what: str, retry_after: float | None = None) -> None:
        super().__init__(what)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry; ``timeout`` is (connect, read) seconds per request."""

    attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 10.0
    timeout: tuple[float, float] = (15.0, 60.0)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        return min(self.base_delay * (2**attempt), self.max_delay)


@dataclass(frozen=True)
class Platform:
    """The ``os``/``architecture``/``variant`` an index entry is chosen by."""

    os: str
    architecture: str
    variant: str = ""

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)

    def matches(self, entry: dict[str, Any]) -> bool:
        if entry.get("os") != self.os or entry.get("architecture") != self.architecture:
            return False
        if not self.variant:
            return True
        variant = entry.get("variant") or ""
        # arm64 images rarely say "v8"; containers/image treats the two as the same.
        return variant == self.variant or (self.architecture == "arm64" and {variant, self.variant} <= {"", "v8"})


@dataclass(frozen=True)
class Manifest:
    """A manifest as the registry sent it: its exact bytes, media type and digest."""

    raw: bytes
    media_type: str
    digest: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.raw)


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``Bearer realm="…",service="…"`` → ``("bearer", {"realm": …, "service": …})``."""
    scheme, _, rest = header.strip().partition(" ")
    params = {k.lower(): v for k, v in re.findall(r'([A-Za-z_]+)\s*=\s*"([^"]*)"', rest)}
    for k, v in re.findall(r'([A-Za-z_]+)\s*=\s*([^",\s]+)', rest):
        params.setdefault(k.lower(), v)
    return scheme.lower(), params


class RegistryClient:
    """One repository on one registry, e.g. ``RegistryClient(parse_image_name("127.0.0.1:5000/app"))``."""

    def __init__(
        self,
        name: ImageName,
        *,
        tls_verify: bool = True,
        credentials: Credentials | None | bool = True,
        retry: RetryPolicy | None = None,
        log: Callable[[str], None] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.name = name
        self.host = name.api_host
        self.tls_verify = tls_verify
        # True: look the credentials up in the usual files; None/False: anonymous.
        if credentials is True:
            credentials = find_credentials(name.domain, name.path)
        self.credentials: Credentials | None = credentials or None
        self.retry = retry or RetryPolicy()
        self.log = log or (lambda _line: None)
        self.session = session or requests.Session()
        self.session.trust_env = True  # proxies from the environment, as Nix passes them to fetchers
        self._scheme: str | None = None
        self._authorization: str | None = None

    # ------------------------------------------------------------------------------------------
    # The API

    def get_manifest(self, reference: str, accept: tuple[str, ...] = MANIFEST_TYPES + INDEX_TYPES) -> Manifest:
        """The manifest (or index) for a tag or digest, checked against the digest when one is given."""
        what = f"manifest {reference} of {self}"
        raw, content_type = self._fetch_bytes(
            f"manifests/{reference}", what, MAX_MANIFEST_BYTES, {"Accept": ", ".join(accept)}
        )
        try:
            body = json.loads(raw)
        except ValueError:
            raise RegistryError(f"{what} is not valid JSON") from None
        if not isinstance(body, dict):
            raise RegistryError(f"{what} is not a JSON object")
        media_type = body.get("mediaType") or content_type
        if media_type in SCHEMA1_TYPES or body.get("schemaVersion") == 1:
            raise RegistryError(f"{what} is a Docker schema 1 manifest, which pydock does not support")
        digest = sha256_digest(raw)
        if reference.startswith("sha256:") and digest != reference:
            raise RegistryError(f"{what} does not match its digest: the registry sent content with digest {digest}")
        return Manifest(raw, media_type, digest)

    def resolve_image(self, reference: str, platform: Platform) -> Manifest:
        """The image manifest for ``reference``: an index is resolved to ``platform``'s entry."""
        manifest = self.get_manifest(reference)
        if manifest.media_type in INDEX_TYPES or "manifests" in manifest.json():
            entries = manifest.json().get("manifests") or []
            matching = [e for e in entries if isinstance(e, dict) and platform.matches(e.get("platform") or {})]
            chosen = matching[0] if matching else None
            if chosen is None:
                offered = sorted({str(Platform(**_platform_fields(e))) for e in entries if isinstance(e, dict)})
                raise RegistryError(
                    f"no image for {platform} in the manifest list {reference} of {self}"
                    f" (it offers: {', '.join(offered) or 'nothing'})"
                )
            digest = chosen.get("digest", "")
            if not isinstance(digest, str) or not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
                raise RegistryError(f"manifest list {reference} of {self} names an invalid digest '{digest}'")
            manifest = self.get_manifest(digest, accept=MANIFEST_TYPES)
        if manifest.media_type not in MANIFEST_TYPES:
            raise RegistryError(
                f"manifest {reference} of {self} has the unsupported media type '{manifest.media_type}'"
            )
        return manifest

    def get_small_blob(self, digest: str, limit: int = MAX_CONFIG_BYTES) -> bytes:
        """A blob read into memory (an image config), bounded and digest-checked."""
        what = f"blob {digest} of {self}"
        data, _ = self._fetch_bytes(f"blobs/{digest}", what, limit)
        got = sha256_digest(data)
        if got != digest:
            raise RegistryError(f"{what} does not match its digest: the registry sent content with digest {got}")
        return data

    def download_blob(self, digest: str, size: int | None, dest: BinaryIO) -> None:
        """Stream a blob into ``dest``, checking size and digest; a dropped transfer starts over."""
        what = f"blob {digest} of {self}"
        expected = digest.partition(":")[2]

        def once() -> str:
            dest.seek(0)
            dest.truncate()
            h = hashlib.sha256()
            got = 0
            with self._request("GET", f"blobs/{digest}", what) as resp:
                for chunk in _iter_body(resp, what):
                    got += len(chunk)
                    if size is not None and got > size:
                        raise RegistryError(f"{what} is larger than the {size} bytes its descriptor declares")
                    h.update(chunk)
                    dest.write(chunk)
            if size is not None and got < size:
                raise _Retryable(f"{what} was truncated: the body ended after {got} of {size} bytes")
            return h.hexdigest()

        got_digest = self._retrying(once)
        if got_digest != expected:
            raise RegistryError(
                f"{what} does not match its digest: the registry sent content with digest sha256:{got_digest}"
            )
        dest.flush()

    def __str__(self) -> str:
        return f"'{self.name.path}' on registry '{self.name.domain}'"

    # ------------------------------------------------------------------------------------------
    # Requests: scheme, retries, authentication, redirects

    def _fetch_bytes(
        self, path: str, what: str, limit: int, headers: dict[str, str] | None = None
    ) -> tuple[bytes, str]:
        """A whole (bounded) body and its media type; a truncated body is fetched again."""

        def once() -> tuple[bytes, str]:
            with self._request("GET", path, what, headers=headers) as resp:
                content_type = resp.headers.get("Content-Type", "").split(";")[0].strip()
                return self._read_bounded(resp, limit, what), content_type

        return self._retrying(once)

    def _retrying(self, work: Callable[[], T]) -> T:
        """``work()``, again after a growing pause while it fails in a retryable way."""
        for attempt in range(self.retry.attempts):
            try:
                return work()
            except _Retryable as e:
                if attempt + 1 >= self.retry.attempts:
                    raise RegistryError(f"{e} (gave up after {self.retry.attempts} attempts)") from None
                delay = self.retry.delay(attempt, e.retry_after)
                self.log(f"{e}; retrying in {delay:.1f}s")
                time.sleep(delay)
        raise AssertionError("unreachable")

    def _base(self) -> str:
        if self._scheme is None:
            # Decided in a local first: other threads (parallel blob pushes) must not see a guess.
            scheme = "https"
            if not self.tls_verify:
                try:
                    self.session.get(f"https://{self.host}/v2/", verify=False, timeout=self.retry.timeout,
                                     allow_redirects=False).close()  # fmt: skip
                except requests.exceptions.SSLError:
                    scheme = "http"
                except requests.exceptions.ConnectionError:
                    scheme = "http"
            self._scheme = scheme
        return f"{self._scheme}://{self.host}/v2/{self.name.path}/"

    def _request(
        self,
        method: str,
        path: str,
        what: str,
        headers: dict[str, str] | None = None,
        data: bytes | None = None,
        allow: tuple[int, ...] = (),
        retry: bool = True,
    ) -> requests.Response:
        """A successful (2xx, or ``allow``ed) streaming response; the caller closes it (a context manager).

        ``path`` is relative to the repository (``blobs/…``), or an upload ``Location`` the
        registry returned (absolute, or starting with ``/``).  ``retry=False`` lets a
        retryable failure (:class:`_Retryable`) reach the caller, for requests whose
        retry must start further back (a blob upload starts over).
        """
        url = self._url(path)

        def once() -> requests.Response:
            return self._authenticated(method, url, what, headers or {}, data, allow)

        return self._retrying(once) if retry else once()

    def _url(self, path: str) -> str:
        base = self._base()
        if path.startswith(("http://", "https://")):
            return path
        if path.startswith("/"):
            return f"{self._scheme}://{self.host}{path}"
        return base + path

    def _authenticated(
        self,
        method: str,
        url: str,
        what: str,
        headers: dict[str, str],
        data: bytes | None = None,
        allow: tuple[int, ...] = (),
    ) -> requests.Response:
        resp = self._follow(method, url, what, headers, data)
        if resp.status_code == 401 and resp.url.startswith(self._base_origin()):
            challenge = resp.headers.get("WWW-Authenticate", "")
            resp.close()
            self._authorize(challenge, what)
            resp = self._follow(method, url, what, headers, data)
            if resp.status_code == 401 and resp.url.startswith(self._base_origin()):
                resp.close()
                if self.credentials is None:
                    raise RegistryError(f"{what}: the registry requires authentication, and no credentials were found"
                                        " (looked in $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,"
                                        " ~/.config/containers/auth.json and ~/.docker/config.json)")  # fmt: skip
                raise RegistryError(f"{what}: the registry rejected the {self.credentials}")
        if resp.status_code == 401:
            resp.close()
            host = urllib.parse.urlsplit(resp.url).netloc
            raise RegistryError(
                f"{what}: the registry redirected to '{host}', which asks for credentials;"
                " pydock sends registry credentials only to the registry itself"
            )
        if resp.status_code in allow:
            return resp
        self._check_status(resp, what)
        return resp

    def _base_origin(self) -> str:
        return f"{self._scheme}://{self.host}/"

    def _follow(
        self, method: str, url: str, what: str, headers: dict[str, str], data: bytes | None = None
    ) -> requests.Response:
        """One request with redirects followed by hand, so that credentials never leave the registry host."""
        for _ in range(MAX_REDIRECTS + 1):
            same_host = urllib.parse.urlsplit(url).netloc == self.host
            sent = dict(headers)
            if same_host and self._authorization:
                sent["Authorization"] = self._authorization
            try:
                resp = self.session.request(method, url, headers=sent, stream=True, allow_redirects=False, data=data,
                                            timeout=self.retry.timeout, verify=self.tls_verify)  # fmt: skip
            except requests.exceptions.SSLError as e:
                raise RegistryError(f"{what}: TLS error talking to '{urllib.parse.urlsplit(url).netloc}': "
                                    f"{_reason(e)} (tlsVerify = false skips the check)") from None  # fmt: skip
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as e:
                raise _Retryable(
                    f"{what}: connection to '{urllib.parse.urlsplit(url).netloc}' failed: {_reason(e)}"
                ) from None
            if resp.is_redirect and "Location" in resp.headers:
                url = urllib.parse.urljoin(url, resp.headers["Location"])
                resp.close()
                continue
            return resp
        raise RegistryError(f"{what}: more than {MAX_REDIRECTS} redirects")

    def _check_status(self, resp: requests.Response, what: str) -> None:
        if 200 <= resp.status_code < 300:
            return
        status = resp.status_code
        detail = _error_detail(resp)
        resp.close()
        if status in RETRY_STATUSES:
            raise _Retryable(f"{what}: the registry answered HTTP {status}{detail}", _retry_after(resp))
        if status == 404:
            raise RegistryError(f"{what} was not found (HTTP 404){detail}")
        raise RegistryError(f"{what}: the registry answered HTTP {status}{detail}")

    def _authorize(self, challenge: str, what: str) -> None:
        scheme, params = parse_challenge(challenge)
        if scheme == "basic":
            if self.credentials is None:
                raise RegistryError(f"{what}: the registry requires authentication, and no credentials were found"
                                    " (looked in $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,"
                                    " ~/.config/containers/auth.json and ~/.docker/config.json)")  # fmt: skip
            if self.credentials.identity_token:
                raise RegistryError(f"{what}: the registry asks for a password (Basic authentication), but"
                                    f" the {self.credentials} can only be given to a token server")  # fmt: skip
            self._authorization = _basic(self.credentials)
            return
        if scheme != "bearer" or not params.get("realm"):
            raise RegistryError(f"{what}: unsupported authentication challenge '{scheme or 'none'}'")
        query = {"scope": params.get("scope") or f"repository:{self.name.path}:pull"}
        if params.get("service"):
            query["service"] = params["service"]
        realm = params["realm"]
        if urllib.parse.urlsplit(realm).scheme not in ("https", "http"):
            raise RegistryError(f"{what}: the token realm '{realm}' is not an http(s) URL")
        token_what = f"token for {self} from '{urllib.parse.urlsplit(realm).netloc}'"
        # An identity token is an OAuth2 refresh token: POSTed as a form (docker's way);
        # a user name and password go as Basic authentication of a GET.
        refresh = self.credentials is not None and self.credentials.identity_token
        auth_headers = {"Authorization": _basic(self.credentials)} if self.credentials and not refresh else {}
        for attempt in range(self.retry.attempts):
            try:
                if refresh:
                    assert self.credentials is not None
                    form = {**query, "grant_type": "refresh_token", "refresh_token": self.credentials.password,
                            "client_id": "pydock"}  # fmt: skip
                    resp = self.session.post(realm, data=form, timeout=self.retry.timeout, verify=self.tls_verify,
                                             stream=True, allow_redirects=False)  # fmt: skip
                else:
                    resp = self.session.get(realm, params=query, headers=auth_headers, timeout=self.retry.timeout,
                                            verify=self.tls_verify, stream=True, allow_redirects=False)  # fmt: skip
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as e:
                if attempt + 1 >= self.retry.attempts:
                    raise RegistryError(f"{token_what}: connection failed: {_reason(e)}") from None
                time.sleep(self.retry.delay(attempt, None))
                continue
            if resp.status_code in RETRY_STATUSES and attempt + 1 < self.retry.attempts:
                resp.close()
                time.sleep(self.retry.delay(attempt, _retry_after(resp)))
                continue
            break
        with resp:
            if resp.status_code in (401, 403):
                who = f"the {self.credentials}" if self.credentials else "anonymous access (no credentials were found)"
                raise RegistryError(f"{token_what}: refused {who}")
            self._check_status(resp, token_what)
            raw = self._read_bounded(resp, MAX_TOKEN_BYTES, token_what)
        try:
            body = json.loads(raw)
            token = body.get("token") or body.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise RegistryError(f"{token_what}: the answer holds no token")
        self._authorization = f"Bearer {token}"

    @staticmethod
    def _read_bounded(resp: requests.Response, limit: int, what: str) -> bytes:
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise RegistryError(f"{what} is too large: {declared} bytes, the limit is {limit}")
        parts: list[bytes] = []
        total = 0
        for chunk in _iter_body(resp, what):
            total += len(chunk)
            if total > limit:
                raise RegistryError(f"{what} is too large: more than {limit} bytes")
            parts.append(chunk)
        if declared and declared.isdigit() and total != int(declared):
            raise _Retryable(f"{what} was truncated: the body ended after {total} of {declared} bytes")
        return b"".join(parts)


def _iter_body(resp: requests.Response, what: str) -> Iterator[bytes]:
    """The raw body, with a dropped connection turned into a retryable failure."""
    try:
        yield from resp.raw.stream(CHUNK, decode_content=True)
    except (urllib3.exceptions.HTTPError, requests.exceptions.RequestException, OSError) as e:
        host = urllib.parse.urlsplit(resp.url).netloc
        raise _Retryable(
            f"{what}: the body was truncated; the connection dropped while reading from '{host}': {_reason(e)}"
        ) from None  # fmt: skip


def _basic(credentials: Credentials) -> str:
    import base64

    token = base64.b64encode(f"{credentials.username}:{credentials.password}".encode()).decode()
    return f"Basic {token}"


def _platform_fields(entry: dict[str, Any]) -> dict[str, str]:
    p = entry.get("platform") or {}
    return {"os": str(p.get("os", "?")), "architecture": str(p.get("architecture", "?")),
            "variant": str(p.get("variant", ""))}  # fmt: skip


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def _error_detail(resp: requests.Response) -> str:
    """The first error message of the registry's JSON error body, if it has one."""
    try:
        raw = next(resp.raw.stream(4096, decode_content=True), b"")
        errors = json.loads(raw).get("errors") or []
        message = errors[0].get("message") if errors else None
    except Exception:  # noqa: BLE001 - the detail is optional
        return ""
    return f": {message}" if isinstance(message, str) and message else ""


def _reason(e: BaseException) -> str:
    """A short reason without URLs' query strings (which may hold tokens)."""
    text = str(e.args[0]) if e.args else type(e).__name__
    text = re.sub(r"\?[^\s'\"]*", "", text)
    return text[:300]
