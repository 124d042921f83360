"""The builders' error family: :class:`BuildError` and the failures every builder shares.

A module of its own, with nothing but ``pydock.errors`` behind it, so that light modules
(the layering algorithm, image-name parsing, the host-namespace runner) can raise build
errors without importing the realiser's environment code and the local store with it.
``pydock.builders.realisation.environment`` re-exports both names, where builders have
always imported them from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydock.errors import PydockError

if TYPE_CHECKING:
    from pydock.store.hashes import Hash

__all__ = ["BuildError", "FixedOutputHashMismatch"]


class BuildError(PydockError):
    """A build that failed; the message is what Nix prints after ``error: ``."""


class FixedOutputHashMismatch(BuildError):
    """A fixed output whose content is not what the derivation declared, in Nix's words.

    Builtin builders that check their result themselves raise it before the
    output is registered (so nothing lands in the store); the realiser reports
    it as it stands instead of as a failed builder.
    """

    def __init__(self, drv_path: str, wanted: Hash, got: Hash) -> None:
        super().__init__(
            f"hash mismatch in fixed-output derivation '{drv_path}':\n  specified: {wanted.sri}\n     got:    {got.sri}"
        )
        self.wanted = wanted
        self.got = got
