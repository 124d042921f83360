"""``pydock instantiate``: write the ``.drv`` files of an expression, like ``nix-instantiate``.

Evaluation runs against the real store (sources, ``toFile`` texts and ``.drv``
files are written) but nothing is built. Each derivation the value denotes is
printed as its ``.drv`` path, with ``!output`` appended for outputs other than
``out`` — nix-instantiate's format.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from pydock.cli_options import (
    argument_options,
    instantiate_request,
    pass_eval_request,
    selection_options,
    setting_options,
)
from pydock.error_report import errors_reported

if TYPE_CHECKING:
    from pydock.evaluator.request import EvalRequest

__all__ = ["instantiate"]


@click.command("instantiate")
@selection_options
@click.option("--store", "store_root", metavar="DIR", help="Store root directory (default: $PYDOCK_STORE).")
@argument_options
@setting_options
@pass_eval_request
def instantiate(request: EvalRequest, store_root: str | None, show_trace: bool) -> None:
    """Instantiate the derivations in FILES or -E expressions into the store and print their paths.

    Prebuilt inputs (``builtins.storePath``, package-index paths) are substituted, since a
    ``.drv`` can only be written once its inputs are valid.

    \b
    Examples:
      pydock instantiate examples/docker-image.nix -A base
      pydock instantiate --store ./store -E 'derivation { name = "x"; system = "x86_64-linux"; builder = "/bin/sh"; }'
    """
    with errors_reported(show_trace):
        progress_lines = (lambda msg: click.echo(msg, err=True)) if sys.stderr.isatty() else None
        _store, drvs = instantiate_request(store_root, request, progress_lines, show_trace)
    for ref in drvs:
        if ref.prebuilt_attr is not None:  # an index package has no derivation to write
            click.echo(
                f"warning: '{ref.prebuilt_attr}' comes prebuilt from the package index; it has no derivation",
                err=True,
            )
            continue
        click.echo(ref.drv_path if ref.output_name == "out" else f"{ref.drv_path}!{ref.output_name}")
