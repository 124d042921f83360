"""Realisers for derivations: pydock builtin builders and the shell-builder runner."""
