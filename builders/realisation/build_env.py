"""The ``build-env`` builtin builder: the symlink tree of nixpkgs' ``buildEnv``.

Parameters come from the derivation's environment, as the prelude's
``buildEnv`` sets them: ``pkgs`` (JSON list of ``{paths, priority}``),
``pathsToLink`` (space-separated, ``\\ `` for a space inside one),
``extraPrefix``, ``manifest``, ``extraPathsFrom`` (a file listing more
directories), and the flags ``ignoreCollisions``, ``checkCollisionContents``,
``ignoreSingleFileOutputs`` ("1" or "").

The rules are nixpkgs' (its ``builder.pl``): every package tree is walked in
order; a name not seen before becomes a symlink to the package's file; when two
packages provide it, directories are merged (both walked) and files are
settled by priority (lower number wins); equal priorities collide, which is an
error unless ``ignoreCollisions`` or, with ``checkCollisionContents``, the two
files have the same mode and bytes.  Packages listed in a package's
``nix-support/propagated-user-env-packages`` follow with ever lower priority
and never collide.  Only paths inside (or leading to) ``pathsToLink`` are
linked; a few housekeeping files (``nix-support``, ``info/dir``, ``log`` …)
never are.  Symlink targets are logical store paths.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from pydock.builders.errors import BuildError
from pydock.builders.realisation.builtin_builders import BuildContext, builtin_builder
from pydock.builders.realisation.logicalfs import LogicalFS

__all__ = ["build_env"]

DIRECTORY = ""  # a tree entry that is a directory rather than a symlink
PROPAGATED_PRIORITY = 1000


class BuildEnvError(BuildError):
    """A failed buildEnv; the message carries nixpkgs' ``pkgs.buildEnv error:`` prefix."""

    def __init__(self, message: str) -> None:
        super().__init__(f"pkgs.buildEnv error: {message}")


@dataclass
class _Options:
    ignore_collisions: int  # 0 no, 1 yes (warn), 2 yes (silently: propagated packages)
    check_contents: bool
    ignore_single_file: bool
    priority: int


def split_paths_to_link(value: str) -> list[str]:
    """``pathsToLink`` split on unescaped spaces, ``\\ `` turned back into a space."""
    return [p.replace("\\ ", " ") for p in re.split(r"(?<!\\) ", value) if p]


def _in_paths_to_link(paths: list[str], rel: str) -> bool:
    """``rel`` is one of ``paths`` or below one."""
    rel = rel or "/"
    return any(p == "/" or rel == p or rel.startswith(p + "/") for p in paths)


def _leads_to_paths_to_link(paths: list[str], rel: str) -> bool:
    """``rel`` is a directory on the way to one of ``paths``."""
    return any(rel == "" or p == rel or p.startswith(rel + "/") for p in paths)


def _skipped(rel: str, base: str) -> bool:
    """Housekeeping files of packages that an environment never links."""
    return (
        rel in ("/propagated-build-inputs", "/nix-support")
        or re.search(r"info/dir$", rel) is not None
        or (rel.startswith("/share/mime/") and not rel.startswith("/share/mime/packages"))
        or base in ("perllocal.pod", "log")
    )


class EnvTree:
    """The planned tree: relative name -> (symlink target or DIRECTORY, priority)."""

    def __init__(self, fs: LogicalFS, paths_to_link: list[str], shown_root: str, warn: Callable[[str], None]) -> None:
        self.fs = fs
        self.paths_to_link = paths_to_link
        self.shown_root = shown_root  # `$out$extraPrefix`, for messages
        self.warn = warn
        self.entries: dict[str, tuple[str, int]] = {"": (DIRECTORY, 0)}
        for p in paths_to_link:
            cur = ""
            for part in p.split("/"):
                cur = f"{cur}/{part}"
                if cur == "/":
                    cur = ""
                self.entries[cur] = (DIRECTORY, 0)
        self._done: set[str] = set()
        self._postponed: set[str] = set()

    # -- walking packages ------------------------------------------------------------------

    def add_package(self, root: str, opts: _Options) -> None:
        if root in self._done:
            return
        self._done.add(root)
        self._visit("", root, "", opts)
        propagated = f"{root}/nix-support/propagated-user-env-packages"
        if self.fs.exists(propagated):
            first_line = self.fs.read_bytes(propagated).decode("utf-8", "surrogateescape").split("\n", 1)[0]
            for p in first_line.split():
                if p not in self._done:
                    self._postponed.add(p)

    def add_propagated(self, check_contents: bool, ignore_single_file: bool) -> None:
        """The packages propagated so far (and those they propagate), after the explicit ones."""
        priority = PROPAGATED_PRIORITY
        while self._postponed:
            batch = sorted(self._postponed)
            self._postponed = set()
            for p in batch:
                self.add_package(p, _Options(2, check_contents, ignore_single_file, priority))
                priority += 1

    def _visit_dir(self, rel: str, target: str, opts: _Options) -> None:
        try:
            names = self.fs.listdir(target)
        except OSError as e:
            raise BuildEnvError(f"cannot open `{target}': {e.strerror}") from None
        for name in names:
            self._visit(f"{rel}/{name}", f"{target}/{name}", name, opts)

    def _visit(self, rel: str, target: str, base: str, opts: _Options) -> None:
        fs = self.fs
        if fs.is_file(target) and os.path.dirname(target) == fs.store_dir:
            if opts.ignore_single_file:
                self.warn(
                    f"The store path {target} is a file and can't be merged into an environment "
                    "using pkgs.buildEnv, ignoring it"
                )
                return
            raise BuildEnvError(
                f"The store path {target} is a file and can't be merged into an environment using pkgs.buildEnv!"
            )
        if _skipped(rel, base) or not (
            _leads_to_paths_to_link(self.paths_to_link, rel) or _in_paths_to_link(self.paths_to_link, rel)
        ):
            return

        old = self.entries.get(rel)
        if old is None or (opts.priority < old[1] and old[0] != DIRECTORY and not fs.is_dir(old[0])):
            if fs.is_link(target) and not fs.exists(target):
                self.warn(
                    f"creating dangling symlink `{self.shown_root}/{rel}' -> `{target}' -> `{fs.readlink(target)}'"
                )
            self.entries[rel] = (target, opts.priority)
            return
        old_target, old_priority = old

        if old_target != DIRECTORY:
            a, b = fs.realpath(target), fs.realpath(old_target)
            if a is not None and a == b:
                # The same file either way: prefer naming it without a symlink in between.
                if fs.is_link(old_target) and not fs.is_link(target):
                    self.entries[rel] = (target, opts.priority)
                return
            if opts.priority > old_priority and not fs.is_dir(old_target):
                return

        if old_target == DIRECTORY and not fs.is_dir(target):
            raise BuildEnvError(f"not a directory: `{target}'")

        if not (fs.is_dir(target) and (old_target == DIRECTORY or fs.is_dir(old_target))):
            new_ref, old_ref = self._describe(target), self._describe(old_target)
            if opts.ignore_collisions:
                if opts.ignore_collisions == 1:
                    self.warn(f"colliding subpath (ignored): {new_ref} and {old_ref}")
                return
            if opts.check_contents and self._same_file(old_target, target):
                return
            raise BuildEnvError(
                f"two given paths contain a conflicting subpath:\n  {new_ref} and\n  {old_ref}\n"
                "hint: this may be caused by two different versions of the same package in buildEnv's "
                "`paths` parameter\nhint: `pkgs.nix-diff` can be used to compare derivations"
            )

        # Both are directories: the tree gets a real directory holding both sides' entries.
        if old_target != DIRECTORY:
            self._visit_dir(
                rel,
                old_target,
                _Options(opts.ignore_collisions, opts.check_contents, opts.ignore_single_file, old_priority),
            )
        self._visit_dir(rel, target, opts)
        self.entries[rel] = (DIRECTORY, opts.priority)

    def _describe(self, path: str) -> str:
        dangling = self.fs.is_link(path) and not self.fs.exists(path)
        return ("dangling symlink " if dangling else "") + f"`{path}'"

    def _same_file(self, a: str, b: str) -> bool:
        sa, sb = self.fs.stat(a), self.fs.stat(b)
        if sa is None or sb is None:
            return False
        if sa.st_mode != sb.st_mode:
            self.warn(
                f"different permissions in `{a}' and `{b}': {sa.st_mode & 0o7777:04o} <-> {sb.st_mode & 0o7777:04o}"
            )
            return False
        try:
            return self.fs.same_contents(a, b)
        except OSError:
            return False

    # -- writing ---------------------------------------------------------------------------

    def write(self, root: str) -> int:
        """Create the tree under the physical directory ``root``; returns the number of symlinks."""
        links = 0
        for rel in sorted(self.entries):
            target, _ = self.entries[rel]
            if not _in_paths_to_link(self.paths_to_link, rel):
                continue
            dest = root + "/" + rel.lstrip("/") if rel else root
            if target == DIRECTORY:
                os.makedirs(dest, exist_ok=True)
            else:
                links += 1
                try:
                    os.symlink(target, dest)
                except OSError:
                    pass  # like nixpkgs, a link whose directory was not created is dropped
        return links


@builtin_builder("build-env")
def build_env(drv, ctx: BuildContext) -> None:
    env = ctx.env
    fs = LogicalFS.for_store(ctx.store)
    extra_prefix = env.get("extraPrefix", "")
    check_contents = env.get("checkCollisionContents") == "1"
    ignore_single_file = env.get("ignoreSingleFileOutputs") == "1"
    ignore_collisions = 1 if env.get("ignoreCollisions") == "1" else 0

    def warn(msg: str) -> None:
        ctx.log(f"pkgs.buildEnv warning: {msg}")

    tree = EnvTree(fs, split_paths_to_link(env.get("pathsToLink", "")), ctx.output_paths["out"] + extra_prefix, warn)
    for pkg in json.loads(env.get("pkgs", "[]")):
        for path in pkg["paths"]:
            if fs.exists(path):
                tree.add_package(path, _Options(ignore_collisions, check_contents, ignore_single_file, pkg["priority"]))
    tree.add_propagated(check_contents, ignore_single_file)
    extra = env.get("extraPathsFrom", "")
    if extra:
        for line in fs.read_bytes(extra).decode("utf-8", "surrogateescape").splitlines():
            if fs.is_dir(line):
                tree.add_package(
                    line, _Options(ignore_collisions, check_contents, ignore_single_file, PROPAGATED_PRIORITY)
                )

    out = ctx.outputs["out"]
    links = tree.write(out + extra_prefix)
    os.makedirs(out, exist_ok=True)
    ctx.log(f"created {links} symlinks in user environment")
    manifest = env.get("manifest", "")
    if manifest:
        os.symlink(manifest, os.path.join(out, "manifest"))
