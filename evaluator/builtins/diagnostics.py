"""Builtins for debugging evaluation: ``warn``, ``traceVerbose`` and ``break``.

``trace`` lives in ``core`` with Nix 2.8's other builtins; these three are newer (Nix 2.10 for
``traceVerbose`` and ``break``, 2.23 for ``warn``) and read settings of the session:
``abort-on-warn`` turns a warning into an error (to reveal where it came from), and
``trace-verbose`` enables ``traceVerbose``. pydock has no debugger, so ``break`` is the
identity that current Nix is without ``--debugger``.
"""

from __future__ import annotations

from typing import Any

from ..errors import NO_POS, NixError
from ..values import force, force_string
from ..warnings import evaluation_warning
from .core import trace
from .registry import primop


class AbortOnWarn(NixError):
    """Raised after a warning when ``abort-on-warn`` is set; ``tryEval`` does not catch it."""


@primop("__warn", needs_state=True)
def prim_warn(st: Any, msg: Any, v: Any) -> Any:
    """Only strings are accepted, as in Nix (values are ``trace``'s job)."""
    text = force_string(msg)
    evaluation_warning(str(text))
    if st.settings.abort_on_warn:
        raise AbortOnWarn("aborting to reveal stack trace of warning, as abort-on-warn is set", NO_POS)
    return force(v)


@primop("__traceVerbose", needs_state=True)
def prim_trace_verbose(st: Any, msg: Any, v: Any) -> Any:
    """``trace`` under ``--trace-verbose``, otherwise its second argument alone."""
    if st.settings.trace_verbose:
        return trace(msg, v)
    return force(v)


@primop("break")
def prim_break(v: Any) -> Any:
    return force(v)
