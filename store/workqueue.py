"""A bounded set of threads draining a work list that grows as items complete.

Substitution has two such phases: querying narinfos (each answer names more paths
to query) and copying paths (each copied path may make its referrers ready).  A
``ThreadPoolExecutor`` with one ``Future`` per item costs a cross-thread wake-up
for every completed item (``Future.set_result`` notifies its waiters, the
scheduler's ``wait`` wakes up, submits, and the next worker is woken in turn).
On a small VM such a wake-up is a futex call plus an inter-processor interrupt,
taken while holding the GIL: measured on 2 cores, a quarter of all GIL-held time
of a 2,000-path substitution went into ``Condition.notify``.

Here each worker takes its next item itself as soon as it finishes one, under
one lock, so a thread is only ever woken when work appears while it sits idle.
The calling thread is one of the workers, so nothing waits on a result at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

__all__ = ["run_work"]

T = TypeVar("T")


class _State(Generic[T]):
    def __init__(self, items: Iterable[T]) -> None:
        self.todo: list[T] = list(items)
        self.unfinished = len(self.todo)  # queued or running
        self.idle = 0
        self.error: BaseException | None = None
        self.cond = threading.Condition(threading.Lock())


def run_work(
    jobs: int,
    items: Iterable[T],
    work: Callable[[T], Iterable[T]],
    thread_name: str = "pydock-work",
) -> None:
    """Run ``work`` on ``items`` with up to ``jobs`` threads; ``work(item)`` returns new items to run.

    Items are taken last-in first-out (depth first: a copied path's referrers come
    next, which keeps the set of half-done chains small).  The first exception stops
    the taking of new items; the items already running finish, then it is raised.
    """
    st: _State[T] = _State(items)
    if not st.todo:
        return
    threads = [
        threading.Thread(target=_worker, args=(st, work), name=f"{thread_name}-{i}", daemon=True)
        for i in range(1, jobs)  # even for one item: its work may add more (a closure's references)
    ]
    for t in threads:
        t.start()
    try:
        _worker(st, work)
    except BaseException as e:  # e.g. KeyboardInterrupt while this thread waited: stop the others
        with st.cond:
            if st.error is None:
                st.error = e
            st.cond.notify_all()
    finally:
        for t in threads:
            t.join()
    if st.error is not None:
        raise st.error


def _worker(st: _State[T], work: Callable[[T], Iterable[T]]) -> None:
    cond = st.cond
    while True:
        with cond:
            while not st.todo and st.unfinished and st.error is None:
                st.idle += 1
                cond.wait()
                st.idle -= 1
            if st.error is not None or not st.unfinished:
                cond.notify_all()  # everybody else is done too, or must stop
                return
            item = st.todo.pop()
        try:
            new = list(work(item))
        except BaseException as e:  # noqa: BLE001 - re-raised in the calling thread
            with cond:
                if st.error is None:
                    st.error = e
                st.unfinished -= 1
                cond.notify_all()
            return
        with cond:
            st.todo.extend(new)
            st.unfinished += len(new) - 1
            if not st.unfinished:
                cond.notify_all()
            elif st.idle and len(st.todo) > 1:
                cond.notify(min(st.idle, len(st.todo) - 1))  # this thread takes one itself
