"""How every ``pydock`` command ends on a failure: one ``error: …`` on stderr and a non-zero exit.

What is printed depends on what went wrong, never on which command was running:

* a Nix error (:class:`~pydock.evaluator.errors.NixError`) prints as Nix prints it, with
  its position, code frame and, under ``--show-trace``, the evaluation trace;
* any other :class:`~pydock.errors.PydockError` (store, builder, settings …), and an
  ``OSError`` that names its file, prints its message;
* Ctrl-C prints Nix's ``error: interrupted by the user``;
* anything else is a bug in pydock and says so (``error: internal error: TYPE: …``).

A Python traceback appears only under ``--show-trace`` (and never for a Nix error, whose
trace is the evaluation trace). Commands use :func:`errors_reported` around their work.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from pydock.errors import PydockError

__all__ = ["error_text", "errors_reported", "report_error"]


def error_text(e: BaseException, show_trace: bool = False) -> str:
    """The ``error: …`` text for ``e`` (see the module docstring)."""
    from pydock.evaluator.errors import NixError, format_error

    if isinstance(e, NixError):
        return e.format(show_trace)
    if isinstance(e, KeyboardInterrupt):
        return "error: interrupted by the user"
    if isinstance(e, PydockError) or isinstance(e, OSError) and e.filename is not None:
        return format_error(str(e), None)
    return format_error(f"internal error: {type(e).__name__}: {e}", None)


def report_error(e: BaseException, show_trace: bool = False) -> int:
    """Print ``e`` as pydock reports failures; return the exit status the command should end with."""
    from pydock.evaluator.errors import NixError, write_stderr

    if show_trace and not isinstance(e, NixError | KeyboardInterrupt):
        traceback.print_exception(e)
    write_stderr(error_text(e, show_trace))
    return e.exit_status if isinstance(e, PydockError) else 1


@contextmanager
def errors_reported(show_trace: bool = False) -> Iterator[None]:
    """Run a command's work; a failure is reported and ends the process (``SystemExit`` passes)."""
    try:
        yield
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001 - every failure becomes "error: …"
        sys.exit(report_error(e, show_trace))
