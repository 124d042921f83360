"""pydock's builders, in two jobs: ``realisation`` turns derivations into store paths (sandbox,
builtin-builder table, generic builtins), ``images`` holds the container-image formats and the
``dockerTools`` builtin builders, which depend on ``realisation`` and never the other way."""
