"""The ``pydock`` command line (click). Flags follow nix-instantiate / nix-build."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from pydock.cli_options import (
    argument_options,
    command_settings,
    pass_eval_request,
    selection_options,
    setting_options,
)
from pydock.cli_output import verbosity_options
from pydock.error_report import errors_reported

if TYPE_CHECKING:
    from pydock.evaluator.request import EvalRequest


class _LazyGroup(click.Group):
    """A group whose other commands are imported only when one of them is asked for.

    ``pydock eval`` is the start-up-sensitive command: importing ``build``, ``index`` and
    ``prefetch-docker`` (the store, SQLite, HTTP) for it would cost more than evaluating
    most files.
    """

    LAZY = {
        "build": ("pydock.build_cli", "build"),
        "index": ("pydock.index_cli", "index"),
        "inspect": ("pydock.inspect_cli", "inspect"),
        "instantiate": ("pydock.instantiate_cli", "instantiate"),
        "log": ("pydock.log_cli", "log"),
        "prefetch-docker": ("pydock.prefetch_cli", "prefetch_docker"),
        "push": ("pydock.push_cli", "push"),
        "server": ("pydock.server_cli", "server"),
        "store": ("pydock.store_cli", "store"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in self.LAZY:
            return found
        import importlib

        module, attr = self.LAZY[cmd_name]
        command = getattr(importlib.import_module(module), attr)
        self.add_command(command)
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pydock", prog_name="pydock", message="%(prog)s %(version)s")
@verbosity_options
def main() -> None:
    """pydock: evaluate Nix files that use dockerTools, and build their images.

    \b
    Quick start:
      pydock build examples/docker-image.nix -A base      # prints the image archive's path
      podman load < "$(pydock build examples/docker-image.nix -A base)"
      $(pydock build examples/docker-layered.nix -A stream) | podman load

    \b
    More:
      pydock eval --strict examples/hello.nix
      pydock log result                  # full log of a build
      pydock store gc                    # delete what no result link reaches

    Shell completion: eval "$(_PYDOCK_COMPLETE=bash_source pydock)" (zsh_source, fish_source).
    Every command has --help with examples; docs/cli.md is the full reference.
    """


@main.command("eval")
@selection_options
@click.option("--strict", is_flag=True, help="Evaluate the result deeply.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--xml", "as_xml", is_flag=True, help="Print the result as XML.")
@argument_options
@click.option("--no-location", is_flag=True, help="With --xml: omit source locations.")
@click.option("--parse", "parse_only", is_flag=True, help="Only parse, and print the expression as Nix shows it.")
@click.option("--eval", "eval_flag", is_flag=True, hidden=True, help="Accepted for nix-instantiate parity.")
@setting_options
@pass_eval_request
def eval_cmd(
    request: EvalRequest,
    strict: bool,
    as_json: bool,
    as_xml: bool,
    show_trace: bool,
    no_location: bool,
    parse_only: bool,
    eval_flag: bool,
) -> None:
    """Evaluate FILES (default ./default.nix) or -E expressions, like nix-instantiate --eval.

    \b
    Examples:
      pydock eval --strict examples/hello.nix
      pydock eval --json -A message examples/hello.nix
      pydock eval -E 'builtins.attrNames (import <nixpkgs> {}).dockerTools'
      pydock eval -A base.imageTag examples/docker-image.nix
    """
    with errors_reported(show_trace):
        from pydock.evaluator.errors import TraceSettings
        from pydock.evaluator.packages import resolve_index_path
        from pydock.evaluator.runner import run_deep
        from pydock.evaluator.session import evaluate_for_cli

        TraceSettings.enabled = show_trace
        eval_settings, settings = command_settings()
        package_index = resolve_index_path(request.packages, configured=settings.packages)
        outputs: list[str] = run_deep(
            lambda: evaluate_for_cli(
                files=request.files,
                is_expr=request.is_expr,
                attr_paths=request.attr_paths,
                strict=strict,
                output="json" if as_json else "xml" if as_xml else "nix",
                args=request.args,
                argstrs=request.argstrs,
                include=request.include,
                xml_location=not no_location,
                parse_only=parse_only,
                package_index=package_index,
                settings=eval_settings,
            )
        )
    # like nix-instantiate, JSON output has no trailing newline
    end = "" if as_json else "\n"
    for text in outputs:
        sys.stdout.write(text + end)
    sys.stdout.flush()


if __name__ == "__main__":  # pragma: no cover
    main()
