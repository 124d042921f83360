"""Running evaluation on a thread with a large stack.

The evaluator recurses as deeply as the Nix program does (a 100,000-element
``foldl'`` chain, a deeply nested set under ``deepSeq``). CPython's default
thread stack and recursion limit are far too small for that, so evaluation runs
on a dedicated thread with a big stack and a high recursion limit; if even that
is exhausted the user gets Nix's "stack overflow" error, not a traceback.

Evaluation allocates containers at a high rate (environments, thunks, sets), most of
them short-lived and freed by reference counting. With CPython's default collector
threshold (700) every few hundred allocations trigger a collection that scans the
young survivors and soon promotes them, and the growing heap then pays repeated full
collections. While evaluating, the objects that existed before (modules, the parsed
prelude) are frozen out of collection and the young generation is allowed to grow to
``GC_THRESHOLD`` allocations; cycles (recursive sets, environments holding thunks that
hold them) are still collected, only later. Both are undone afterwards.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import NixError

T = TypeVar("T")

STACK_BYTES = 1024 * 1024 * 1024
RECURSION_LIMIT = 500_000
GC_THRESHOLD = (50_000, 20, 10)  # young generation, then how often the older two are collected


def run_deep(fn: Callable[[], T]) -> T:
    """Run ``fn`` on a big-stack thread; re-raise its exception in the caller."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = fn()
        except RecursionError:
            result["error"] = NixError("stack overflow (possible infinite recursion)")
        except BaseException as e:  # noqa: BLE001 - handed to the calling thread
            result["error"] = e

    old_limit = sys.getrecursionlimit()
    old_size = threading.stack_size()
    try:
        threading.stack_size(STACK_BYTES)
    except (ValueError, RuntimeError):
        threading.stack_size(256 * 1024 * 1024)
    sys.setrecursionlimit(RECURSION_LIMIT)
    old_gc = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        t = threading.Thread(target=target, name="pydock-eval", daemon=True)
        t.start()
        t.join()
    finally:
        gc.set_threshold(*old_gc)
        gc.unfreeze()
        threading.stack_size(old_size)
        sys.setrecursionlimit(old_limit)
    if "error" in result:
        raise result["error"]
    return result["value"]
