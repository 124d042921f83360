"""Small fake Nix stores on disk for image tests: real files, modes, symlinks and hard links.

Store paths are logical ``<store_dir>/<hash>-<name>`` strings; their files live under
``<root>/nix/store`` (pydock's layout), or at the logical place itself when ``root`` is
``None`` (then ``store_dir`` must be a writable physical directory).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass, field

SOURCE_DATE_EPOCH = 315532800
STORE_DIR = "/nix/store"


def fake_hash(name: str) -> str:
    """A 32-character nix-base32-looking hash part derived from ``name``."""
    alphabet = "0123456789abcdfghijklmnpqrsvwxyz"
    digest = hashlib.sha256(name.encode()).digest()
    return "".join(alphabet[b % 32] for b in digest[:32])


@dataclass
class FakeStore:
    store_dir: str
    root: str | None
    nar_sizes: dict[str, int] = field(default_factory=dict)
    references: dict[str, list[str]] = field(default_factory=dict)

    def real_path(self, path: str) -> str:
        if self.root is None or not path.startswith(self.store_dir + "/"):
            return path
        return os.path.join(self.root, "nix", "store") + path[len(self.store_dir) :]

    def path(self, name: str) -> str:
        return f"{self.store_dir}/{fake_hash(name)}-{name}"

    def add_tree(self, name: str, tree: dict, refs: list[str] = (), nar_size: int | None = None) -> str:
        """A directory store path; ``tree`` maps names to bytes (file), ``("x", bytes)`` (executable),
        ``("link", target)``, ``("hardlink", relpath)`` or a nested dict (directory)."""
        sp = self.path(name)
        phys = self.real_path(sp)
        os.makedirs(phys)
        _build(phys, tree)
        self._register(sp, refs, nar_size)
        _canonicalise(phys)
        return sp

    def add_file(self, name: str, content: bytes, executable: bool = False, refs: list[str] = ()) -> str:
        sp = self.path(name)
        phys = self.real_path(sp)
        os.makedirs(os.path.dirname(phys), exist_ok=True)
        with open(phys, "wb") as f:
            f.write(content)
        self._register(sp, refs, None)
        _canonicalise(phys, executable)
        return sp

    def add_symlink(self, name: str, target: str, refs: list[str] = ()) -> str:
        sp = self.path(name)
        phys = self.real_path(sp)
        os.makedirs(os.path.dirname(phys), exist_ok=True)
        os.symlink(target, phys)
        self._register(sp, refs, None)
        return sp

    def add_customisation_layer(self, name: str, tree: dict) -> str:
        """A ``<name>-customisation-layer`` store path holding ``layer.tar`` (GNU tar, as nixpkgs) and ``checksum``."""
        sp = self.path(name + "-customisation-layer")
        phys = self.real_path(sp)
        work = phys + ".work"
        os.makedirs(work)
        _build(work, tree)
        os.makedirs(phys)
        subprocess.run(
            [
                "tar",
                "--sort=name",
                "--numeric-owner",
                f"--mtime=@{SOURCE_DATE_EPOCH}",
                "--hard-dereference",
                "-C",
                work,
                "-cf",
                os.path.join(phys, "layer.tar"),
                ".",
            ],
            check=True,
        )
        with open(os.path.join(phys, "layer.tar"), "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        with open(os.path.join(phys, "checksum"), "w") as f:
            f.write(digest + "\n")
        subprocess.run(["rm", "-rf", work], check=True)
        self._register(sp, [], None)
        _canonicalise(phys)
        return sp

    def _register(self, sp: str, refs, nar_size: int | None) -> None:
        self.references[sp] = list(refs)
        self.nar_sizes[sp] = nar_size if nar_size is not None else _du(self.real_path(sp))

    def graph(self) -> list[dict]:
        """Nix's ``exportReferencesGraph`` JSON shape (self references omitted)."""
        return [{"path": p, "narSize": self.nar_sizes[p], "references": self.references[p]} for p in self.references]


def _build(where: str, tree: dict) -> None:
    for name, value in tree.items():
        target = os.path.join(where, name)
        if isinstance(value, dict):
            os.mkdir(target)
            _build(target, value)
        elif isinstance(value, bytes):
            with open(target, "wb") as f:
                f.write(value)
        elif value[0] == "x":
            with open(target, "wb") as f:
                f.write(value[1])
            os.chmod(target, 0o755)
        elif value[0] == "link":
            os.symlink(value[1], target)
        elif value[0] == "hardlink":
            os.link(os.path.join(where, value[1]), target)
        else:
            raise ValueError(value)


def _canonicalise(path: str, executable: bool = False) -> None:
    """Nix's canonical store metadata: mtime 1, dirs and executables 0555, other files 0444."""
    for dirpath, dirnames, filenames in os.walk(path, topdown=False):
        for n in filenames + dirnames:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            if os.path.islink(p):
                continue
            if os.path.isdir(p):
                os.chmod(p, 0o555)
            else:
                os.chmod(p, 0o555 if st.st_mode & 0o100 else 0o444)
            os.utime(p, (1, 1), follow_symlinks=False)
    if os.path.isdir(path) and not os.path.islink(path):
        os.chmod(path, 0o555)
    elif not os.path.islink(path):
        os.chmod(path, 0o555 if executable else 0o444)
    os.utime(path, (1, 1), follow_symlinks=False)


def _du(path: str) -> int:
    if os.path.islink(path) or not os.path.isdir(path):
        return 120 + os.lstat(path).st_size
    total = 120
    for dirpath, dirnames, filenames in os.walk(path):
        for n in filenames + dirnames:
            total += 120 + os.lstat(os.path.join(dirpath, n)).st_size
    return total


def sample_store(store_dir: str, root: str | None, many: int = 0) -> tuple[FakeStore, dict[str, str]]:
    """A store with every kind of entry streamLayeredImage has to handle, plus ``many`` tiny paths."""
    s = FakeStore(store_dir, root)
    p = {}
    p["libc"] = s.add_tree(
        "glibc-2.40",
        {
            "lib": {
                "libc.so.6": b"\x7fELF fake libc\n" * 50,
                "libc.so": ("hardlink", "libc.so.6"),
                "ld-linux.so.2": ("link", "libc.so.6"),
            },
            "share": {"a": {"g": b"g\n"}, "a-b": {"x": b"x\n"}, "a.b": b"dot\n", "empty": {}},
            ".hidden": b"dotfile\n",
        },
    )
    p["hello"] = s.add_tree(
        "hello-2.12",
        {
            "bin": {"hello": ("x", b"#!/bin/sh\necho hello\n"), "hi": ("link", "hello")},
            "lib64": ("link", p["libc"] + "/lib"),
            "share": {
                "very-long-directory-name-" * 3: {"file-with-a-long-name-" * 4 + ".txt": b"long\n"},
                "ünïcödé.txt": b"unicode\n",
            },
        },
        refs=[p["libc"]],
    )
    p["script"] = s.add_file("run.sh", b"#!/bin/sh\nexec hello\n", executable=True, refs=[p["hello"]])
    p["data"] = s.add_file("data.json", b'{"a": 1}\n')
    p["link"] = s.add_symlink("hello-link", p["hello"] + "/bin", refs=[p["hello"]])
    for i in range(many):
        p[f"tiny{i}"] = s.add_file(f"tiny-{i:03d}", f"tiny {i}\n".encode(), refs=[p["libc"]] if i % 2 else [])
    p["custom"] = s.add_customisation_layer(
        "img",
        {
            "bin": {"hello": ("link", p["hello"] + "/bin/hello")},
            "etc": {"motd": b"welcome\n", "empty": {}},
            "run.sh": ("link", p["script"]),
        },
    )
    return s, p


def make_conf(store: FakeStore, layers: list[list[str]], custom: str, **over) -> dict:
    """A conf with nixpkgs' key order and defaults (as the jq step writes them)."""
    conf = {
        "architecture": "amd64",
        "config": {"Cmd": ["/bin/hello"], "Env": ["PATH=/bin", "LANG=C.UTF-8"], "Entrypoint": ["/bin/sh", "-c"]},
        "os": "linux",
        "store_dir": store.store_dir,
        "from_image": None,
        "store_layers": layers,
        "customisation_layer": custom,
        "repo_tag": "example/img:v1",
        "created": "1970-01-01T00:00:01+00:00",
        "mtime": "1970-01-01T00:00:01+00:00",
        "uid": "0",
        "gid": "0",
        "uname": "root",
        "gname": "root",
    }
    conf.update(over)
    return conf
