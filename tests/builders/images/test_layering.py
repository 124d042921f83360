"""Layer assignment: auto-layer, popularity contest, custom pipelines, and CPython's seed-0 set order.

auto-layer and the popularity order are compared with nixpkgs' own ``auto-layer.py`` and
``closure-graph.py`` (see ``nixpkgs_layering.py``) on fixed graphs and on a few hundred seeded
random ones.  The custom-pipeline tests keep hand-written expectations: nixpkgs'
``flatten_references_graph`` package is not among the reference files, so there is no oracle
to run for them here.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest
from nixpkgs_layering import nixpkgs_auto_layer, nixpkgs_popularity
from pydock.builders.images.cpython_order import frozenset_hash, set_order, str_hash
from pydock.builders.images.layering import (
    LayeringError,
    auto_layer,
    available_layers,
    flatten_references_graph,
    graph_from_maps,
    popularity_contest,
    popularity_layers,
)


def sp(letter: str, name: str) -> str:
    return f"/nix/store/{letter * 32}-{name}"


HELLO, GLIBC, IDN, UNI, GCC = (
    sp("a", "hello-2.12"),
    sp("b", "glibc-2.40"),
    sp("c", "libidn2-2.3.7"),
    sp("d", "libunistring-1.2"),
    sp("e", "libgcc-13"),
)
CUSTOM, BASE = sp("f", "img-customisation-layer"), sp("g", "img-base.json")

# The spec's worked example (§2.1): sizes make glibc the first layer root.
EXAMPLE = graph_from_maps(
    {CUSTOM: [HELLO], BASE: [], HELLO: [GLIBC, HELLO], GLIBC: [IDN, GCC], IDN: [UNI], UNI: [], GCC: []},
    {CUSTOM: 20000, BASE: 100, HELLO: 300, GLIBC: 3000, IDN: 200, UNI: 1000, GCC: 150},
)


BIG1, BIG2, SHARED, PRIV = sp("h", "big-one"), sp("i", "big-two"), sp("j", "shared"), sp("k", "private")
# Two big roots sharing a dependency: the shared one gets its own layer, private deps join their root.
SHARING = graph_from_maps(
    {BIG1: [SHARED, PRIV], BIG2: [SHARED], SHARED: [], PRIV: []},
    {BIG1: 5000, BIG2: 4000, SHARED: 10, PRIV: 20},
)
LEAVES = [sp(c, f"leaf-{i}") for i, c in enumerate("lmnpqrsvwxyz")]
TIES = graph_from_maps({p: [] for p in LEAVES}, {p: 64 for p in LEAVES})  # equal sizes: set order decides

FIXED_AUTO_LAYER = [
    *((EXAMPLE, [CUSTOM, BASE], limit) for limit in (100, 5, 3, 2, 1)),
    *((SHARING, [], limit) for limit in (10, 3, 2)),
    (TIES, [], 100),
    (TIES, LEAVES[:3], 4),
]


def test_auto_layer_fixed_cases_match_nixpkgs():
    expected = nixpkgs_auto_layer(FIXED_AUTO_LAYER)
    assert [auto_layer(g, set(ignore), limit) for g, ignore, limit in FIXED_AUTO_LAYER] == expected
    assert len({json.dumps(e) for e in expected}) > 5  # the cases do exercise different splits


def _random_graph(rng: random.Random) -> list[dict]:
    """A store-like DAG: references point to earlier paths, some self references, tied and repeated names."""
    count = rng.randint(1, 40)
    names = [
        rng.choice(["glibc", "hello", "bash", "lib", "a", "zlib", "python3"]) + f"-{rng.randint(1, 3)}"
        for _ in range(count)
    ]
    alphabet = "0123456789abcdfghijklmnpqrsvwxyz"
    paths = [f"/nix/store/{''.join(rng.choices(alphabet, k=32))}-{n}" for n in names]
    references = {}
    for i, path in enumerate(paths):
        refs = rng.sample(paths[:i], rng.randint(0, min(i, 5))) if i else []
        if rng.random() < 0.3:
            refs.append(path)
        references[path] = refs
    sizes = {p: rng.choice([64, 64, 128, rng.randint(1, 100000)]) for p in paths}
    order = list(paths)
    rng.shuffle(order)
    return graph_from_maps({p: references[p] for p in order}, sizes)


def _random_jobs(seed: int, count: int) -> list[tuple[list[dict], list[str], int]]:
    rng = random.Random(seed)
    jobs = []
    for _ in range(count):
        graph = _random_graph(rng)
        paths = [n["path"] for n in graph]
        ignore = rng.sample(paths, rng.randint(0, min(3, len(paths))))
        jobs.append((graph, ignore, rng.randint(1, len(paths) + 2)))
    return jobs


def test_auto_layer_random_graphs_match_nixpkgs():
    jobs = _random_jobs(seed=14, count=300)
    expected = nixpkgs_auto_layer(jobs)
    for (graph, ignore, limit), want in zip(jobs, expected, strict=True):
        assert auto_layer(graph, set(ignore), limit) == want, json.dumps([graph, ignore, limit])


def test_auto_layer_ties_follow_seed_zero_set_order():
    """Equal closure sizes: the layer order is the set order a PYTHONHASHSEED=0 CPython gives (checked live)."""
    leaves = [sp(c, f"leaf-{i}") for i, c in enumerate("lmnpqrsvwxyz")]
    graph = graph_from_maps({p: [] for p in leaves}, {p: 64 for p in leaves})
    layers = auto_layer(graph, set(), 100)
    code = "import json,sys; print(json.dumps([sorted(s) for s in set(frozenset([p]) for p in json.load(sys.stdin))]))"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    live = subprocess.run(
        [sys.executable, "-c", code], input=json.dumps(leaves), capture_output=True, text=True, env=env
    )
    assert layers == json.loads(live.stdout)
    assert layers != [[p] for p in leaves]  # not simply graph order


def test_cpython_order_matches_the_interpreter():
    rng = random.Random(5)
    strs = ["", "a", "ü", "€uro", "\U0001f600x", *(sp("0123456789abcdfg"[i % 16], f"p{i}") for i in range(40))]
    sets = [frozenset(rng.sample(strs, rng.randint(0, 4))) for _ in range(200)]
    code = (
        "import json,sys; s,f=json.load(sys.stdin); f=[frozenset(x) for x in f];"
        "print(json.dumps([[hash(x)%2**64 for x in s],[hash(x)%2**64 for x in f],"
        "[sorted(x) for x in set(f)],list(set(s))]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    inp = json.dumps([strs, [sorted(x) for x in sets]])
    live = json.loads(
        subprocess.run([sys.executable, "-c", code], input=inp, capture_output=True, text=True, env=env).stdout
    )

    def fh(s):
        return frozenset_hash(str_hash(x) for x in s)

    assert live[0] == [str_hash(s) for s in strs]
    assert live[1] == [fh(s) for s in sets]
    assert live[2] == [sorted(s) for s in set_order(sets, fh)]
    assert live[3] == set_order(strs, str_hash)


# -- popularity ---------------------------------------------------------------------------------

A, B, C, D, E, F, G = (sp(c, n) for c, n in zip("abcdefg", "ABCDEFG", strict=True))
POPULAR = graph_from_maps(
    {A: [A, B, G], B: [C, E], C: [D, E], D: [F], E: [F], F: [], G: []},
    dict.fromkeys([A, B, C, D, E, F, G], 1),
)


def test_popularity_contest_matches_nixpkgs():
    """closure-graph.py's own example, and 300 seeded random graphs, in nixpkgs' order."""
    graphs = [POPULAR, EXAMPLE, TREE, TIES] + [graph for graph, _, _ in _random_jobs(seed=41, count=300)]
    expected = nixpkgs_popularity(graphs)
    assert expected[0] == [F, E, D, C, B, G, A]  # the example of closure-graph.py's own comments
    for graph, want in zip(graphs, expected, strict=True):
        assert popularity_contest(graph) == want, json.dumps(graph)


def test_popularity_layers_old_default():
    assert popularity_layers(POPULAR, [A], 3) == [[F], [E], [D, C, B, G]]
    assert popularity_layers(POPULAR, [], 100) == [[F], [E], [D], [C], [B], [G], [A]]
    assert popularity_layers(POPULAR, [], 1) == [[F, E, D, C, B, G, A]]


def test_available_layers():
    assert available_layers(100) == 99
    assert available_layers(100, base_layers=3) == 96
    with pytest.raises(LayeringError, match="only maxLayers=4 were allowed"):
        available_layers(4, base_layers=3)


# -- pipelines ----------------------------------------------------------------------------------

R1, R2, R3 = sp("r", "Root1"), sp("s", "Root2"), sp("t", "Root3")
TREE = graph_from_maps(
    {R1: [A], A: [B, C], B: [D, E, G], E: [F], R2: [B], R3: [C], C: [], D: [], F: [], G: []},
    {R1: 9, A: 8, B: 7, E: 6, R2: 5, R3: 4, C: 3, D: 2, F: 1, G: 0},
)


def test_vertices_are_ordered_by_nar_size():
    assert flatten_references_graph(TREE, [["split_every", 100]]) == [[G, F, D, C, R3, R2, E, B, A, R1]]


def test_split_paths():
    layers = flatten_references_graph(TREE, [["split_paths", [B]]])
    assert layers == [[G, F, D, E, B], [C, R3, R2, A, R1]]  # main, rest (no common part)
    shared = flatten_references_graph(TREE, [["split_paths", [A]]])
    assert shared == [[A], [G, F, D, C, E, B], [R3, R2, R1]]  # main, common, rest
    children = flatten_references_graph(TREE, [["split_paths", [{"children_of": E}]]])
    assert children == [[F], [G, D, C, R3, R2, E, B, A, R1]]


def test_subcomponents():
    assert flatten_references_graph(TREE, [["subcomponent_out", [B]]]) == [[G, F, D, E, B], [C, R3, R2, A, R1]]
    assert flatten_references_graph(TREE, [["subcomponent_in", [B]]]) == [[R2, B, A, R1], [G, F, D, C, R3, E]]
    everything = [G, F, D, C, R3, R2, E, B, A, R1]
    assert flatten_references_graph(TREE, [["subcomponent_in", ["/nix/store/missing"]]]) == [[], everything]


def test_nested_pipeline_with_popularity_and_limits():
    pipeline = [
        ["subcomponent_out", [B]],
        ["over", "rest", ["pipe", [["popularity_contest"], ["limit_layers", 2]]]],
    ]
    # rest = {C, R3, R2, A, R1} (R2's edge to B is gone): C is the most popular, the others merge
    assert flatten_references_graph(TREE, pipeline) == [[G, F, D, E, B], [C], [A, R1, R2, R3]]


def test_remove_reverse_map_and_exclusion():
    removed = flatten_references_graph(TREE, [["remove_paths", [G, F]], ["split_every", 4], ["reverse"]])
    assert removed == [[E, B, A, R1], [D, C, R3, R2]]
    mapped = flatten_references_graph(TREE, [["split_every", 5], ["map", ["pipe", [["split_every", 3]]]]])
    assert mapped == [[G, F, D], [C, R3], [R2, E, B], [A, R1]]
    assert flatten_references_graph(TREE, [["split_every", 100]], exclude_paths=[B, R1]) == [[G, F, D, C, R3, R2, E, A]]


def test_pipeline_failures_nixpkgs_shares():
    with pytest.raises(LayeringError, match="only 10 graphs"):
        flatten_references_graph(TREE, [["popularity_contest"], ["limit_layers", 11]])
    with pytest.raises(LayeringError, match="not iterable"):
        flatten_references_graph(TREE, [])
    with pytest.raises(LayeringError, match="no such key"):
        flatten_references_graph(TREE, [["split_paths", [B]], ["over", "common", ["popularity_contest"]]])
    with pytest.raises(LayeringError, match="unknown pipeline step"):
        flatten_references_graph(TREE, [["shuffle"]])
