"""``pydock log PATH``: print a build's full log, as ``nix log`` does.

A failed build's error ends with ``For full logs, run 'pydock log …'``; this is
that command.  PATH is a ``.drv``, an output path, or a ``result`` link.
"""

from __future__ import annotations

import sys

import click

from pydock.cli_options import store_option
from pydock.cli_output import fail

__all__ = ["log"]


@click.command("log")
@store_option
@click.argument("path", type=click.Path())
def log(store_root: str | None, path: str) -> None:
    """Print the full build log of PATH (a .drv, an output path or a result link).

    Logs are kept with the store in Nix's layout
    (nix/var/log/nix/drvs/XX/REST.bz2), so real Nix's `nix-store -l` reads them too.

    \b
    Examples:
      pydock log /nix/store/…-image.tar.gz.drv
      pydock log result
      pydock log --store ./store /nix/store/…-hello.drv | less
    """
    from pydock.store.build_logs import read_build_log, to_store_path

    try:
        from pydock.store.local import open_existing_store

        store = open_existing_store(store_root)
        data = read_build_log(store, to_store_path(store, path))
    except BaseException as e:  # noqa: BLE001 - every failure becomes "error: …"
        fail(e)
        return
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
