"""``builtins.outputOf`` (current Nix, experimental feature ``dynamic-derivations``).

``outputOf ref name`` names output ``name`` of the derivation ``ref`` refers to, and its
string context says so (``!name!drv``), as Nix's ``^`` deriving-path sigil does. ``ref`` must
be a string with exactly one context element, the one its text shows:

* a plain store path to a ``.drv`` (``builtins.unsafeDiscardOutputDependency drv.drvPath``):
  the result is that output's path when it is known before building (input-addressed or
  fixed), else the downstream placeholder of a floating content-addressed output;
* a derivation output (``drv.outPath``): that output would itself be a derivation, built
  later (a dynamic derivation). Current Nix answers with a placeholder whose string context
  nests one output inside another; pydock's contexts cannot carry that, so it stops with a
  clear error (the same for any use of the nested form).

``drv.drvPath`` itself carries its whole closure (``allOutputs``), which current Nix refuses
here with the message below.
"""

from __future__ import annotations

from typing import Any

from pydock.store.derivation import OutputKind, downstream_placeholder

from ..errors import NixError, experimental_feature_disabled
from ..ops import coerce_to_string
from ..values import force_string_no_ctx, mkstr
from .registry import primop


def _single_context(ref: Any) -> tuple[str, str]:
    ctx: set[str] = set()
    text = str(coerce_to_string(ref, ctx, False, False))
    if len(ctx) != 1:
        raise NixError(f"string '{text}' has {len(ctx)} entries in its context. It should only have exactly one entry")
    return text, next(iter(ctx))


def _output_string(st: Any, drv_path: str, output: str) -> str:
    """What Nix prints for output ``output`` of the derivation ``drv_path`` in ``st``'s store."""
    try:
        drv = st.store.read_derivation(drv_path)
    except (KeyError, OSError, ValueError) as e:
        raise NixError(str(e)) from None
    out = drv.outputs.get(output)
    if out is None:
        raise NixError(f"derivation '{drv_path}' does not have output '{output}'")
    kind = out.kind
    if kind is OutputKind.INPUT_ADDRESSED:
        return out.path
    if kind is OutputKind.FIXED:
        return out.fixed_path(st.store.store_dir, drv.name, output)
    if not st.settings.has_feature("ca-derivations"):
        raise experimental_feature_disabled("ca-derivations")
    return downstream_placeholder(drv_path, output)


@primop("__outputOf", feature="dynamic-derivations", needs_state=True)
def outputOf(st: Any, ref: Any, name: Any) -> Any:
    text, element = _single_context(ref)
    if element.startswith("="):
        raise NixError(
            f"string '{text}' has a context which refers to a complete source and binary closure. "
            "This is not supported at this time"
        )
    if element.startswith("!"):
        _, inner_output, inner_drv = element.split("!", 2)
        expected = _output_string(st, inner_drv, inner_output)
        if text != expected:
            raise NixError(
                f"string '{text}' has context with the output '{inner_output}' from derivation '{inner_drv}', "
                f"but the string is not the right placeholder for this derivation output. It should be '{expected}'"
            )
        raise NixError(
            "builtins.outputOf of a derivation's output (a dynamic derivation) is not supported by pydock"
        )
    if text != element:
        raise NixError(f"path string '{text}' has context with the different path '{element}'")
    output = str(force_string_no_ctx(name))
    return mkstr(_output_string(st, element, output), {f"!{output}!{element}"})
