"""The quick start of ``pydock eval``/``instantiate``: hand the command to a warm server
from an interpreter started without ``site``.

``bin/pydock`` (the installed ``pydock`` command, a shell script) runs
``python -S -P -c …`` for those commands.  Python's ``site`` set-up (installed ``.pth``
files, editable-install finders) is most of its start-up and pointless when a server will
run the command, so that process reads the hint the full launcher left in the private
socket folder (where pydock is, ``sys.path`` and ``sys.flags`` as a start with ``site``
sees them), imports this module from there and tries the server under exactly the name the
full launcher would use (``pydock.launcher.server_names``).  When the server cannot take
the command — none running, another code version, a refusal — :func:`serve` returns and the
script starts the full program (``pydock-python``), which runs it in-process, starts a
server and rewrites the hint.  Nothing here may start a server: it would inherit ``-S``.
"""

from __future__ import annotations

import sys

from pydock.launcher import REFUSED_HINT, _via_server

__all__ = ["serve"]


def serve(prog: str, hint: dict) -> str | None:
    """Run ``sys.argv[3:]`` in a server child and exit as it did; return if it cannot.

    ``prog`` is the name the command was called by (``sys.argv[0]`` of the full program),
    ``hint`` the hint file's content.  The return value, if not None, replaces the
    ``PYDOCK_HINT`` the script passes to the full program:
    :data:`~pydock.launcher.REFUSED_HINT` when the server refused the command.
    """
    path, flags = hint.get("path"), hint.get("flags")
    if not isinstance(path, list) or not isinstance(flags, str):
        return None
    script_argv = sys.argv
    sys.argv = [prog, *script_argv[3:]]  # the child's argv, as the full program would have it
    try:
        return REFUSED_HINT if _via_server(path, flags, start=False) else None
    finally:
        sys.argv = script_argv  # the script's fallback reads it
