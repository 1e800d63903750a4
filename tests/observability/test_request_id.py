"""Fresh request IDs: their shape, their spread, and no repeats across forked processes."""

from __future__ import annotations

import os
import re
from collections import Counter

from observability.request_id import CROCKFORD_ALPHABET, new_request_id

_GROUP = f"[{CROCKFORD_ALPHABET}]{{5}}"
FRESH_ID = re.compile(f"{_GROUP}-{_GROUP}-{_GROUP}")


def test_fresh_ids_have_three_groups_of_five_crockford_symbols() -> None:
    """Every ID is `XXXXX-XXXXX-XXXXX` of Crockford symbols, and none repeats."""
    ids = [new_request_id() for _ in range(500)]
    assert all(FRESH_ID.fullmatch(request_id) for request_id in ids)
    assert len(set(ids)) == len(ids)


def test_every_symbol_is_used_at_every_position() -> None:
    """The 75 bits are spread over all 15 positions: no position is stuck on a few symbols."""
    ids = [new_request_id().replace("-", "") for _ in range(4000)]
    for position in range(15):
        seen = Counter(request_id[position] for request_id in ids)
        assert set(seen) == set(CROCKFORD_ALPHABET), position
        assert min(seen.values()) > 4000 / 32 / 3, position  # expected 125 each


def test_a_forked_child_never_reuses_the_parents_random_bytes() -> None:
    """After fork, parent and child draw different IDs."""
    new_request_id()  # the parent has made IDs before it forks
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its next IDs, and leave without running pytest's exit
        try:
            os.close(read_end)
            os.write(write_end, " ".join(new_request_id() for _ in range(20)).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        child_ids = set(pipe.read().decode().split())
    os.waitpid(pid, 0)
    parent_ids = {new_request_id() for _ in range(20)}
    assert len(child_ids) == 20
    assert not child_ids & parent_ids
