"""The ``closure-info`` builtin builder: nixpkgs' ``closureInfo { rootPaths }``.

The realiser has already written the closure of ``rootPaths`` (Nix's
structured ``exportReferencesGraph.closure``: sorted paths with ``narHash``,
``narSize`` and ``references``) to ``.attrs.json``; this writes the three
files nixpkgs' jq script derives from it:

* ``store-paths``: each path on its own line;
* ``registration``: for each path, the lines path, NAR hash, NAR size, an empty
  deriver, the number of references and the references — what
  ``nix-store --load-db`` and ``--register-validity --hash-given`` read;
* ``total-nar-size``: the sum of the NAR sizes.
"""

from __future__ import annotations

import json
import os

from pydock.builders.realisation.builtin_builders import BuildContext, builtin_builder

__all__ = ["closure_info"]


def registration(closure: list[dict]) -> str:
    lines: list[str] = []
    for node in closure:
        refs = node.get("references") or []
        lines += [node["path"], node["narHash"], str(node["narSize"]), "", str(len(refs)), *refs]
    return "".join(line + "\n" for line in lines)


@builtin_builder("closure-info")
def closure_info(drv, ctx: BuildContext) -> None:
    with open(ctx.env["NIX_ATTRS_JSON_FILE"], encoding="utf-8") as f:
        closure = json.load(f).get("closure") or []
    out = ctx.outputs["out"]
    os.mkdir(out)
    files = {
        "store-paths": "".join(node["path"] + "\n" for node in closure),
        "registration": registration(closure),
        "total-nar-size": f"{sum(node['narSize'] for node in closure)}\n",
    }
    for name, text in files.items():
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write(text)
