"""Container-image formats: docker-archives, layering, tar dialects, the registry client,
and the builtin builders behind ``dockerTools`` (stream, build, pull, export, merge)."""
