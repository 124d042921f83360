"""``pydock index``: write a package index with a real Nix, for machines without one.

The work is ``pydock.evaluator.packages.index_writer`` (``nix-env -qaP --json --out-path
--meta``, merged, written atomically); this command parses the flags and prints progress.
"""

from __future__ import annotations

import sys

import click

from pydock.error_report import errors_reported

__all__ = ["index"]


@click.command("index")
@click.option("--nixpkgs", "nixpkgs", required=True, metavar="PATH", help="The nixpkgs to ask (nix-env -f PATH).")
@click.option("-A", "--attr", "attrs", multiple=True, metavar="ATTR", help="Only this attribute (repeatable).")
@click.option("-o", "--output", "output", default="-", show_default=True, metavar="FILE", help="Where to write.")
@click.option("--no-meta", is_flag=True, help="Leave out the packages' meta attributes.")
def index(nixpkgs: str, attrs: tuple[str, ...], output: str, no_meta: bool) -> None:
    """Write a package index of NIXPKGS with a real Nix (nix-env -qaP --json --out-path --meta).

    \b
    Examples:
      pydock index --nixpkgs ~/nixpkgs -o packages.json.zst
      pydock index --nixpkgs ~/nixpkgs -A hello -A bashInteractive -o small.json
      PYDOCK_PACKAGES=packages.json.zst pydock build examples/docker-packages.nix
    """
    with errors_reported():
        from pydock.evaluator.packages.index_writer import IndexCommandError, encode_index, query_nix_env, write_index

        if sys.stderr.isatty():
            click.echo(f"querying {nixpkgs} with nix-env …", err=True)
        data = query_nix_env(nixpkgs, list(attrs), meta=not no_meta)
        encoded = encode_index(data, output)
        try:
            if output == "-":
                sys.stdout.buffer.write(encoded)
                sys.stdout.flush()
            else:
                write_index(output, encoded)
        except OSError as e:
            raise IndexCommandError(f"cannot write '{output}': {e.strerror}") from None
        if sys.stderr.isatty():
            click.echo(f"{len(data)} packages written to {output}", err=True)
