"""``pydock build``: evaluate, realise and link, like ``nix-build``.

The command evaluates FILES (or ``-E`` expressions) with a real store behind
the evaluator, so sources, ``toFile`` texts and ``.drv`` files are written as
``nix-build`` would write them (``evaluator/instantiation.py``); realises each
derivation the value denotes (``builders/realisation/targets.py``); creates
``result``, ``result-2``, ``result-<output>`` … symlinks (to the outputs'
physical location under the store root, registered as indirect GC roots); and
prints the output paths.

The printed paths are physical too: with the default store root (a data
directory, not ``/``) ``/nix/store/…`` names nothing on the host, so printing
it would make ``$(pydock build f.nix -A image) | podman load`` fail.  Where
the root is ``/`` the physical and logical paths are the same string, which is
what ``nix-build`` prints; ``pydock instantiate``/``eval`` give logical paths.

Progress goes to stderr only when stderr is a terminal.  Failures go through
``error_report``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from pydock.cli_options import (
    argument_options,
    instantiate_request,
    pass_eval_request,
    selection_options,
    setting_options,
    store_option,
)
from pydock.cli_output import verbosity_options
from pydock.error_report import errors_reported
from pydock.progress import show_messages

if TYPE_CHECKING:
    from pydock.evaluator.request import EvalRequest

__all__ = ["build"]


@click.command("build")
@selection_options
@click.option("-o", "--out-link", "out_link", default="result", show_default=True, help="Name of the result link.")
@click.option("--no-out-link", is_flag=True, help="Do not create result links.")
@store_option
@click.option(
    "--format",
    "image_format",
    type=click.Choice(["docker-archive", "oci-dir", "oci-archive"]),
    default="docker-archive",
    show_default=True,
    help="Image output: the derivation's own output (nixpkgs'), or an OCI layout directory/archive written to -o.",
)
@click.option(
    "--layer-compression",
    type=click.Choice(["none", "gzip", "zstd"]),
    default="gzip",
    show_default=True,
    help="Layer compression of OCI output.",
)
@click.option(
    "--verify-layers",
    is_flag=True,
    help="Re-hash image layers whose digest is cached instead of trusting the store's NarHashes.",
)
@argument_options
@setting_options
@verbosity_options
@pass_eval_request
def build(
    request: EvalRequest,
    out_link: str,
    no_out_link: bool,
    store_root: str | None,
    show_trace: bool,
    image_format: str = "docker-archive",
    layer_compression: str = "gzip",
    verify_layers: bool = False,
) -> None:
    """Build the derivations in FILES (default ./default.nix) or -E expressions, like nix-build.

    Prints each output's path (its physical place under the store root) and links
    ./result (-o) to it.  On a terminal the builders' output is shown as they
    run (with -v also in a pipe); a failed build ends with the `pydock log …`
    command that prints its full log.

    \b
    Examples:
      pydock build examples/docker-image.nix -A base
      podman load < "$(pydock build --no-out-link examples/docker-image.nix -A base)"
      $(pydock build examples/docker-layered.nix -A stream) | podman load
      pydock build -E 'with import <nixpkgs> {}; dockerTools.buildLayeredImage { name = "x"; }'
      pydock build --store ./store -o img examples/docker-layered.nix -A layered
    """
    interactive = show_messages()  # a terminal without --quiet, or -v
    if verify_layers:  # read by the image builders (builders/images/docker_stream.py), in this process
        os.environ["PYDOCK_VERIFY_LAYERS"] = "1"

    def progress(msg: str) -> None:
        if interactive:
            click.echo(msg, err=True)

    with errors_reported(show_trace):
        from pydock.builders.realisation.targets import add_result_link, realise_targets, result_link_name

        progress_lines = progress if interactive else None
        store, drvs = instantiate_request(store_root, request, progress_lines, show_trace)
        if image_format != "docker-archive":
            from pydock.oci_output import write_oci_results

            for p in write_oci_results(store, drvs, image_format, layer_compression, out_link, progress_lines):
                click.echo(p)
            return
        out_paths = [store.real_path(p) for p in realise_targets(store, drvs, progress)]
        if not no_out_link:
            counters: dict[str, int] = {}
            for ref, path in zip(drvs, out_paths, strict=True):
                counter = counters.setdefault(ref.drv_path, len(counters))
                add_result_link(store, result_link_name(out_link, counter, ref.output_name), path)
    for p in out_paths:
        click.echo(p)


if __name__ == "__main__":  # pragma: no cover
    build()
