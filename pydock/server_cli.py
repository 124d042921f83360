"""``pydock server status|stop``: look at or stop the warm evaluation servers (``pydock/server.py``)."""

from __future__ import annotations

import os
import time

import click

__all__ = ["server"]


def _sockets() -> list[str]:
    from pydock.launcher import socket_dir

    directory = socket_dir()
    if directory is None:
        return []
    return sorted(os.path.join(directory, n) for n in os.listdir(directory) if n.endswith(".sock"))


@click.group("server")
def server() -> None:
    """The warm evaluation server that answers `pydock eval` and `pydock instantiate`.

    \b
    The first `pydock eval` or `pydock instantiate` starts it in the background; it exits
    after 10 minutes without a request.  PYDOCK_SERVER=0 runs every command in-process.
    """


@server.command("status")
def status() -> None:
    """List this user's servers: process id, key, requests served, commands running.

    \b
    Example:
      pydock server status
    """
    from pydock.server import request_op

    for path in _sockets():
        try:
            info = request_op(path, "status")
        except OSError:
            continue
        line = f"{info['key']}  pid {info['pid']}  served {info['served']} ({info.get('served_quick', 0)} quick)"
        line += f"  running {info['children']}"
        if info.get("last_refusal"):
            line += f"  last refusal: {info['last_refusal']}"
        click.echo(line)


@server.command("stop")
def stop() -> None:
    """Stop this user's servers (every version); commands they are running finish first.

    \b
    Example:
      pydock server stop
    """
    from pydock.server import request_op

    pids = []
    for path in _sockets():
        try:
            pids.append(request_op(path, "stop")["pid"])
        except OSError:
            continue
    deadline = time.monotonic() + 30
    for pid in pids:
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.02)


def _running(pid: int) -> bool:
    """True while ``pid`` runs (a zombie nobody reaps yet has stopped)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in (b"Z", b"X")
