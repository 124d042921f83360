"""Realising derivations: the sandboxed shell-builder runner, the builtin-builder table and
the builtin builders that are not about images (``buildEnv``, ``closureInfo``, ``fetchurl``)."""
