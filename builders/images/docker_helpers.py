"""The ``references-by-popularity`` builtin builder: nixpkgs' ``referencesByPopularity path``.

nixpkgs runs ``closure-graph.py`` on the structured ``exportReferencesGraph.graph``
of ``path``; the output file lists the closure, most popular path first, one path
per line (each line ends in ``\\n``).  The ordering is
:func:`pydock.builders.images.layering.references_by_popularity`.
"""

from __future__ import annotations

import json

from pydock.builders.images.layering import references_by_popularity
from pydock.builders.realisation.builtin_builders import BuildContext, builtin_builder

__all__ = ["references_by_popularity_builder"]


@builtin_builder("references-by-popularity")
def references_by_popularity_builder(drv, ctx: BuildContext) -> None:
    with open(ctx.env["NIX_ATTRS_JSON_FILE"], encoding="utf-8") as f:
        graph = json.load(f).get("graph") or []
    with open(ctx.outputs["out"], "w", encoding="utf-8") as f:
        f.write("".join(path + "\n" for path in references_by_popularity(graph)))
