"""The ``pydock`` command line (click). Flags follow nix-instantiate / nix-build."""

from __future__ import annotations

import sys
from typing import Any

import click

from pydock.cli_options import (
    argument_options,
    collected_settings,
    selection_options,
    setting_options,
    warn_unknown_settings,
)


def _fail(e: BaseException, show_trace: bool) -> None:
    from pydock.evaluator.errors import NixError, write_stderr

    if isinstance(e, NixError):
        write_stderr(e.format(show_trace))
    elif isinstance(e, KeyboardInterrupt):
        write_stderr("error: interrupted by the user")
    else:
        if show_trace:
            import traceback

            traceback.print_exception(e)
        write_stderr(f"error: internal error: {type(e).__name__}: {e}")
    sys.exit(1)


def _package_index(flag: str | None) -> str | None:
    """``--packages``, else ``$PYDOCK_PACKAGES``, else pydock.conf's ``packages``.

    The settings files are read only in the last case: an evaluation given an index by
    flag or environment reads no configuration at all.
    """
    from pydock.evaluator.packages import resolve_index_path

    found = resolve_index_path(flag)
    if found is not None:
        return found
    from pydock.store.settings import load_settings

    return resolve_index_path(None, configured=load_settings().packages)


class _LazyGroup(click.Group):
    """A group whose other commands are imported only when one of them is asked for.

    ``pydock eval`` is the start-up-sensitive command: importing ``build``, ``index`` and
    ``prefetch-docker`` (the store, SQLite, HTTP) for it would cost more than evaluating
    most files.
    """

    LAZY = {
        "build": ("pydock.build_cli", "build"),
        "index": ("pydock.index_cli", "index"),
        "instantiate": ("pydock.instantiate_cli", "instantiate"),
        "prefetch-docker": ("pydock.prefetch_cli", "prefetch_docker"),
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
@click.version_option(package_name="pydock")
def main() -> None:
    """pydock: evaluate Nix files that use dockerTools, and build their images."""


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
    """Evaluate FILES (default ./default.nix) or -E expressions, like nix-instantiate --eval."""
    from pydock.evaluator.errors import TraceSettings
    from pydock.evaluator.runner import run_deep
    from pydock.evaluator.settings import EvalSettings

    TraceSettings.enabled = show_trace
    settings = EvalSettings.from_environment()
    try:
        warn_unknown_settings(settings.apply(collected_settings()))
    except BaseException as e:  # noqa: BLE001 - a bad setting value is "error: …"
        _fail(e, show_trace)
        return

    def work() -> list[str]:
        from pydock.evaluator.session import evaluate_for_cli

        return evaluate_for_cli(
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
            package_index=_package_index(packages),
            settings=settings,
        )

    try:
        outputs: Any = run_deep(work)
    except BaseException as e:  # noqa: BLE001 - every failure becomes "error: …"
        _fail(e, show_trace)
        return
    # like nix-instantiate, JSON output has no trailing newline
    end = "" if as_json else "\n"
    for text in outputs:
        sys.stdout.write(text + end)
    sys.stdout.flush()


if __name__ == "__main__":  # pragma: no cover
    main()
