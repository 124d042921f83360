"""``-v``/``--verbose`` and ``--quiet``, accepted by the ``pydock`` group and by each command.

Both only set the process-wide switches in ``pydock.progress`` (their values are
not passed to the command function), so adding them to a command is a single
decorator line.  ``pydock -v build …`` and ``pydock build -v …`` mean the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from pydock import progress

__all__ = ["verbosity_options", "fail"]

F = TypeVar("F", bound=Callable[..., Any])


def _set_verbose(_ctx: click.Context, _param: click.Parameter, value: int) -> None:
    if value:
        progress.configure(verbose=value)


def _set_quiet(_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        progress.configure(quiet=True)


def verbosity_options(f: F) -> F:
    """Add ``-v`` (repeatable) and ``--quiet``."""
    f = click.option(
        "--quiet",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_quiet,
        help="No progress, no builder output: only results and errors.",
    )(f)
    return click.option(
        "-v",
        "--verbose",
        count=True,
        expose_value=False,
        is_eager=True,
        callback=_set_verbose,
        help="Show what each builder does (its log lines), also off a terminal. Repeat for more.",
    )(f)


def fail(e: BaseException, show_trace: bool = False) -> None:
    """Print ``error: …`` for a failed command and exit 1 (a traceback only with ``--show-trace``)."""
    import sys

    from pydock.evaluator.errors import NixError, format_error, write_stderr

    if isinstance(e, NixError):
        text = e.format(show_trace)
    elif isinstance(e, KeyboardInterrupt):
        text = "error: interrupted by the user"
    else:
        from pydock.store.errors import StoreError

        if show_trace:
            import traceback

            traceback.print_exception(e)
        known = isinstance(e, StoreError) or isinstance(e, OSError) and e.filename is not None
        text = format_error(str(e) if known else f"internal error: {type(e).__name__}: {e}", None)
    write_stderr(text)
    sys.exit(1)
