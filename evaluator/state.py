"""The evaluation state: base environment, file import cache, search path.

One ``EvalState`` is one evaluation session, like Nix's ``EvalState``: it owns
the builtins (built once from the registry), the cache of imported files (Nix
evaluates each file at most once), the ``NIX_PATH``/``-I`` search path and the
settings builtins consult (system, store dir, and the ``EvalSettings`` that
``--option`` and the lint flags set).
"""

from __future__ import annotations

import os
import platform
from types import MethodType
from typing import Any

from pydock.store.compute import ComputeOnlyStore
from pydock.store.protocol import Store

from . import ops, purity
from .builtins import load_all
from .builtins.derivations import DERIVATION_NIX, copy_path_to_store
from .builtins.registry import CONSTANTS, FEATURE_OF, NEEDS_STATE, PRIMOPS
from .compiler import Compiler, RootScope, Scope
from .errors import NO_POS, NixError, Source
from .packages.host_shell import HostShellError, add_host_shell
from .parse_cache import parse_cached
from .settings import EvalSettings
from .values import CALL_DEPTH, PrimOp, Thunk, mkstr

# Globals whose value one run of compiled code may not share with another (see the warm
# template below), by their names in the base environment and in ``builtins``.
PER_RUN_GLOBALS = frozenset({"__currentTime", "__nixPath", "currentTime", "nixPath"})

_SYSTEMS = {"x86_64": "x86_64-linux", "amd64": "x86_64-linux", "aarch64": "aarch64-linux", "arm64": "aarch64-linux"}


CORE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corepkgs")
PRELUDE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "prelude")
# The prelude imports this file for the package index; with --packages pydock
# gives the index instead of the file's own (empty) value.
PACKAGE_INDEX_HOOK = os.path.join(PRELUDE_DIR, "package-index.nix")
# The prelude imports this file for `pydockHostShell`; pydock answers with the host
# shell's store path (evaluator/packages/host_shell.py), real Nix gets the file's throw.
HOST_SHELL_HOOK = os.path.join(PRELUDE_DIR, "host-shell.nix")


def host_system() -> str:
    """Nix's system double for this machine (``x86_64-linux``, ``aarch64-linux`` …)."""
    m = platform.machine().lower()
    return _SYSTEMS.get(m, f"{m}-linux")


def parse_search_path(entries: list[str]) -> list[tuple[str, str]]:
    """``prefix=path`` or bare ``path`` entries, as in ``NIX_PATH`` and ``-I``."""
    out = []
    for e in entries:
        if not e:
            continue
        if "=" in e:
            prefix, path = e.split("=", 1)
            out.append((prefix, path))
        else:
            out.append(("", e))
    return out


class EvalState:
    """An evaluation session (see module docstring)."""

    def __init__(
        self,
        search_path: list[str] | None = None,
        store_dir: str = "/nix/store",
        system: str | None = None,
        store: Store | None = None,
        package_index: str | None = None,
        settings: EvalSettings | None = None,
    ) -> None:
        load_all()
        self._configure(search_path, store_dir, system, store, package_index, settings)
        # compiled files, by the identity of their parse (kept alive here, so an id is not
        # reused): a parse is the same object only for the same text, name and directory
        # (parse_cache's in-memory parses), so an edited file is compiled again
        self.compiled: dict[int, tuple[Any, Any]] = {}
        self.globals = self._make_globals()
        self.root = RootScope(self.globals, PER_RUN_GLOBALS)
        self.compiler = Compiler(self.root, self)

    def _configure(
        self,
        search_path: list[str] | None,
        store_dir: str,
        system: str | None,
        store: Store | None,
        package_index: str | None,
        settings: EvalSettings | None,
    ) -> None:
        """Everything of one run but its globals and compiled code (also what a warm template takes on)."""
        self.settings = settings if settings is not None else EvalSettings.from_environment()
        CALL_DEPTH[1] = self.settings.max_call_depth
        self.store_dir = store_dir
        # read-only evaluation computes paths without writing (as nix-instantiate --eval)
        self.store: Store = store if store is not None else ComputeOnlyStore(store_dir)
        self.src_to_store: dict[str, Any] = {}
        self.system = system or host_system()
        cli = parse_search_path(list(search_path or []))
        env = parse_search_path([e for e in os.environ.get("NIX_PATH", "").split(":") if e])
        if self.settings.pure_eval:  # pure mode has no search path at all
            cli, env = [], []
        self.search_path = cli + env
        self.n_cli_search_path = len(cli)
        self.file_cache: dict[str, Any] = {}
        self.parse_cache: dict[str, Any] = {}
        # the package index (--packages), handed to the prelude by eval_file
        self.package_index = None
        if package_index:
            from .packages import PackageIndex  # only a run with an index pays for SQLite

            self.package_index = PackageIndex(package_index, store_dir)

    # ------------------------------------------------------------------ base env
    def _make_globals(self) -> dict[str, Any]:
        """The builtins of this session; those that need the state get this one bound as
        their first argument (a bound method: one C-level call, name and arity unchanged)."""
        builtins: dict[str, Any] = {}
        globals_: dict[str, Any] = {}
        for name, (arity, fn) in PRIMOPS.items():
            feature = FEATURE_OF.get(name)
            if feature is not None and not self.settings.has_feature(feature):
                continue
            short = name[2:] if name.startswith("__") else name
            v = PrimOp(short, arity, MethodType(fn, self) if name in NEEDS_STATE else fn)
            builtins[short] = v
            globals_[name] = v
        for name, fn in CONSTANTS.items():
            if self.settings.pure_eval and name in purity.IMPURE_CONSTANTS:
                continue
            # constants are plain values, as in Nix (so `[ null ]` prints `[ null ]`)
            short = name[2:] if name.startswith("__") else name
            v = fn(self) if name in NEEDS_STATE else fn()
            builtins[short] = v
            globals_[name] = v
        builtins["builtins"] = builtins
        globals_["builtins"] = builtins
        derivation = Thunk(lambda _env: self._eval_internal("derivation.nix", DERIVATION_NIX), None)
        builtins["derivation"] = derivation
        globals_["derivation"] = derivation
        return globals_

    def adopt(
        self,
        search_path: list[str] | None = None,
        store_dir: str = "/nix/store",
        system: str | None = None,
        store: Store | None = None,
        package_index: str | None = None,
        settings: EvalSettings | None = None,
    ) -> bool:
        """Become a run's state, keeping the code compiled so far (a warm template, below).

        The run's configuration must give the same base environment, since compiled code
        holds the globals it read: the same builtins (experimental features, pure mode) and
        the same constants but the per-run ones, which are replaced (the compiler kept no
        code that captured them).  False (and this state is unusable) when it does not.
        Everything else compiled code uses of its state (store, search path, settings,
        package index) it reads at run time.  Only a state that has never evaluated anything
        can be adopted, so no value outlives its run.
        """
        derivation = self.globals["derivation"]
        if self.file_cache or self.src_to_store or derivation.code is None:
            return False
        self._configure(search_path, store_dir, system, store, package_index, settings)
        fresh = self._make_globals()
        if not _same_globals(self.globals, fresh):
            return False
        builtins = self.globals["builtins"]
        for name in PER_RUN_GLOBALS:
            if name.startswith("__") and name in fresh:
                self.globals[name] = builtins[name[2:]] = fresh[name]
        return True

    def copy_path_to_store(self, path: str) -> Any:
        """``"${./file}"``: the source added to this session's store, once (a ``CStr`` of its store path).

        This is what ``ops.coerce_to_string`` calls when it is handed the state to copy paths with.
        """
        return copy_path_to_store(self, path)

    def _eval_internal(self, name: str, text: str) -> Any:
        """Evaluate one of pydock's own Nix snippets (reported as //builtin/NAME)."""
        return self.eval_source(Source(f"//builtin/{name}", text, "file"), "/")

    # ------------------------------------------------------------------ evaluation
    def eval_source(self, source: Source, base_dir: str, scope: dict[str, Any] | None = None) -> Any:
        """Parse, compile and evaluate ``source`` to WHNF."""
        node = parse_cached(source, base_dir, self.settings)
        if scope is None:
            return self.compile_file(node)(None) if source.origin == "file" else self.compiler.compile(node)(None)
        names = sorted(scope)
        s = Scope({n: i + 1 for i, n in enumerate(names)}, self.root)
        code = self.compiler.compile(node, s)
        return code([None, *(scope[n] for n in names)])

    def compile_file(self, node: Any) -> Any:
        """A file's parse compiled in the root scope, once per parse (see ``self.compiled``).

        Code that captured a per-run global (``currentTime``, ``nixPath``) is not kept: a warm
        template's code must be right for every run that adopts it.
        """
        hit = self.compiled.get(id(node))
        if hit is not None and hit[0] is node:
            return hit[1]
        compiler = self.compiler
        compiler.captured_per_run = False
        code = compiler.compile(node)
        if not compiler.captured_per_run:
            self.compiled[id(node)] = (node, code)
        return code

    def eval_string(self, text: str, base_dir: str | None = None) -> Any:
        return self.eval_source(Source("«string»", text, "string"), base_dir or os.getcwd())

    def resolve_import_path(self, path: str) -> str:
        if os.path.isdir(path):
            path = os.path.join(path, "default.nix")
        return path

    def eval_file(self, path: str) -> Any:
        """``import path``: evaluate a file once per session and cache its value."""
        path = self.resolve_import_path(path)
        if path == PACKAGE_INDEX_HOOK and self.package_index is not None:
            return self.package_index.hook_value()
        if path == HOST_SHELL_HOOK:
            return self._host_shell()
        cached = self.file_cache.get(path)
        if cached is not None:
            return cached.force() if isinstance(cached, Thunk) else cached
        source = self.read_source(path)
        th = Thunk(lambda _e: self.eval_source(source, os.path.dirname(path)), None)
        self.file_cache[path] = th
        try:
            return th.force()
        except BaseException:
            self.file_cache.pop(path, None)
            raise

    def _host_shell(self) -> Any:
        """``pkgs.pydockHostShell``: the host's /bin/sh with what it loads, added once per session."""
        cached = self.file_cache.get(HOST_SHELL_HOOK)
        if cached is None:
            try:
                path = add_host_shell(self.store)
            except HostShellError as e:
                raise NixError(f"pydockHostShell: {e}") from None
            cached = self.file_cache[HOST_SHELL_HOOK] = mkstr(path, {path})
        return cached
    def check_read(self, path: str, in_builtin: bool = False) -> None:
        """Pure mode reads only the store and pydock's own Nix files (see purity.py)."""
        if self.settings.pure_eval and not purity.may_read(path, self.store_dir, (PRELUDE_DIR, CORE_DIR)):
            raise purity.access_refused(path, in_builtin)

    def read_source(self, path: str) -> Source:
        self.check_read(path)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:  # system errors: Nix 2.8 reports them without a position
            raise NixError(f"getting status of '{path}': No such file or directory", NO_POS) from None
        except IsADirectoryError:
            raise NixError(f"reading file '{path}': Is a directory", NO_POS) from None
        except OSError as e:
            raise NixError(f"opening file '{path}': {e.strerror}", NO_POS) from None
        # Nix's built-in files are parsed from strings: their positions read «string»
        origin = "string" if path.startswith(CORE_DIR + os.sep) else "file"
        return Source(path, data.decode("utf-8", "surrogateescape"), origin)

    def find_file(self, search_path: list[tuple[str, str]], name: str) -> str:
        """Resolve ``<name>`` against a search path (Nix's ``findFile``).

        ``<nixpkgs>`` is pydock's prelude unless ``-I nixpkgs=…`` (or an ``-I`` directory
        holding ``nixpkgs``) says otherwise; ``NIX_PATH`` cannot replace it, because a
        host's real nixpkgs is not something pydock can evaluate its packages from.
        """
        if self.settings.pure_eval and not name.startswith("nix/"):
            raise purity.lookup_refused(name)
        if name == "nixpkgs" or name.startswith("nixpkgs/"):
            n_cli = self.n_cli_search_path if search_path == self.search_path else len(search_path)
            found = self._search(search_path[:n_cli], name)
            if found is not None:
                return found
            prelude = os.path.join(PRELUDE_DIR, name[len("nixpkgs") :].lstrip("/"))
            if os.path.exists(prelude):
                return ops.canon_path(prelude)
            search_path = search_path[n_cli:]
        found = self._search(search_path, name)
        if found is not None:
            return found
        if name.startswith("nix/"):  # Nix's built-in files (<nix/fetchurl.nix>)
            core = os.path.join(CORE_DIR, name[4:])
            if os.path.exists(core):
                return core
        from .errors import ThrownError

        raise ThrownError(
            f"file '{name}' was not found in the Nix search path (add it using $NIX_PATH or -I)"
        )

    @staticmethod
    def _search(search_path: list[tuple[str, str]], name: str) -> str | None:
        for prefix, base in search_path:
            if not prefix:
                suffix = "/" + name
            else:
                n = len(prefix)
                if not name.startswith(prefix) or (len(name) > n and name[n] != "/"):
                    continue
                suffix = "" if len(name) == n else "/" + name[n + 1 :]
            res = base + suffix
            if os.path.exists(res):
                return ops.canon_path(os.path.abspath(res))
        return None


def _same_globals(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether code compiled against ``old`` runs as if compiled against ``new`` (per-run globals aside)."""
    if old.keys() != new.keys():
        return False
    for name, a in old.items():
        if name in PER_RUN_GLOBALS or name in ("builtins", "derivation"):
            continue  # the per-run ones are replaced; `builtins` holds the others; `derivation` is code
        b = new[name]
        if type(a) is PrimOp:
            if type(b) is not PrimOp or (a.name, a.arity) != (b.name, b.arity):
                return False
            fa, fb = a.fn, b.fn
            if getattr(fa, "__func__", fa) is not getattr(fb, "__func__", fb):
                return False
            if getattr(fa, "__self__", None) is not getattr(fb, "__self__", None):
                return False
        elif type(a) is not type(b) or a != b:
            return False
    return True


# ------------------------------------------------------------------ the warm template
#
# The warm server (pydock/server.py) compiles the prelude once, into a template state that
# never evaluates anything; each forked child's first state adopts it (when the run's
# configuration allows, see ``EvalState.adopt``) instead of compiling those files again.
# A forked child works on its own copy, so one run's values never reach another's.

_template: EvalState | None = None
#: whether this process' run adopted the template (the server counts them: ``pydock server status``)
adopted_template = False


def make_template() -> EvalState:
    """The server's template state (its search path and settings are replaced on adoption)."""
    global _template
    _template = EvalState(search_path=[], settings=EvalSettings())
    return _template


def template() -> EvalState | None:
    """The template this process holds, if any (the warm server compiles files into it)."""
    return _template


def new_state(
    search_path: list[str] | None = None,
    store_dir: str = "/nix/store",
    system: str | None = None,
    store: Store | None = None,
    package_index: str | None = None,
    settings: EvalSettings | None = None,
) -> EvalState:
    """A state for one run: the process' template if it fits (at most once), else a new one."""
    global _template, adopted_template
    t, _template = _template, None
    if t is not None and t.adopt(search_path, store_dir, system, store, package_index, settings):
        adopted_template = True
        return t
    return EvalState(search_path, store_dir, system, store, package_index, settings)
