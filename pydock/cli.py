"""The ``pydock`` command line (click). Flags follow nix-instantiate / nix-build."""

from __future__ import annotations

import sys

import click

from pydock.cli_options import argument_options, command_settings, selection_options, setting_options
from pydock.cli_output import verbosity_options
from pydock.error_report import errors_reported


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
def eval_cmd(
    files: tuple[str, ...],
    is_expr: bool,
    attr_paths: tuple[str, ...],
    strict: bool,
    as_json: bool,
    as_xml: bool,
    args: tuple[tuple[str, str], ...],
    argstrs: tuple[tuple[str, str], ...],
    include: tuple[str, ...],
    packages: str | None,
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
        package_index = resolve_index_path(packages, configured=settings.packages)
        outputs: list[str] = run_deep(
            lambda: evaluate_for_cli(
                files=list(files),
                is_expr=is_expr,
                attr_paths=list(attr_paths),
                strict=strict,
                output="json" if as_json else "xml" if as_xml else "nix",
                args=list(args),
                argstrs=list(argstrs),
                include=list(include),
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


def _register_commands() -> None:
    from pydock.build_cli import build
    from pydock.index_cli import index
    from pydock.inspect_cli import inspect
    from pydock.instantiate_cli import instantiate
    from pydock.log_cli import log
    from pydock.prefetch_cli import prefetch_docker
    from pydock.push_cli import push
    from pydock.store_cli import store

    main.add_command(build)
    main.add_command(index)
    main.add_command(inspect)
    main.add_command(instantiate)
    main.add_command(prefetch_docker)
    main.add_command(push)
    main.add_command(store)
    main.add_command(log)


_register_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
