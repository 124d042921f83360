"""The root of every error pydock reports as ``error: …``: :class:`PydockError`.

Three families sit under it, one per layer, each with its own base that the layer's
modules derive from:

* ``pydock.evaluator.errors.NixError`` — the Nix language (parse, evaluation, type,
  ``throw``/``assert``/``abort``); it carries a position and a trace;
* ``pydock.store.errors.StoreError`` — store paths, hashes, NAR, ``.drv`` files,
  the database, settings and substitution;
* ``pydock.builders.errors.BuildError`` — realising derivations: the sandbox, the
  builtin builders, image formats and registries.

A caller (the CLI, or a library user) that wants "pydock refused this, say why" catches
``PydockError``; anything else that escapes is a bug and is reported as an internal
error.  The model is lark's ``LarkError``: one root in a module with no imports, so every
layer can derive from it without an import cycle, and classes that used to be
``ValueError``/``RuntimeError`` keep that base too so existing ``except`` clauses still hold.
"""

from __future__ import annotations

__all__ = ["PydockError"]


class PydockError(Exception):
    """An error pydock explains to its user; ``str(e)`` is the text after ``error: ``.

    ``exit_status`` is the status a command exits with when this error ends it.
    """

    exit_status = 1
