"""Reading in reused blocks, and finding every spelling of an ID wherever a block boundary falls."""

from __future__ import annotations

import gzip
import io
import random
from pathlib import Path

import orjson
import pytest

from observability.request_id import CROCKFORD_ALPHABET, normalize_request_id
from observability.search.files import BLOCK_SIZE, UnreadableLogError, read_blocks
from observability.search.scan import find_request
from tests.logs_factory import LogFile, at, encode, request, write_log_files

TARGET = "1E1EJ-N20PN-HJYXG"  # canonical: what the app writes for a fresh ID
# How clients may have sent the same ID in X-Request-ID (honoured as sent, so logged as sent).
SPELLINGS = ["1e1ej-n20pn-hjyxg", "1E1EJN20PNHJYXG", "IE1EJ-N2OPN-HJYXG", "1E-1EJN20PNH-JY-XG",
             "-1e1ejn20pnhjyxg-", "Le1Ej-n2oPn-hJyXg"]
NEAR_MISSES = ["1E1EJ-N20PN-HJYXH", "1E1EJ-N20PN-HJYXG1", "X1E1EJ-N20PN-HJYXG", "1E1EJ.N20PN.HJYXG"]


def blocks_of(data: bytes, block_size: int) -> list[bytes]:
    """Each block's whole lines, copied out as the reader's contract asks."""
    return [bytes(block[:end]) for block, end in read_blocks(io.BytesIO(data), block_size)]


@pytest.mark.parametrize("block_size", [1, 7, 64, 4096])
def test_blocks_hold_whole_lines_and_add_up_to_the_file(block_size: int) -> None:
    """Every block but a final unterminated line ends with a newline; together they are the file."""
    lines = [b"x" * length for length in (0, 3, 10, 200, 5, 63, 64, 65, 1)]
    data = b"\n".join(lines) + b"\ntail without newline"
    blocks = blocks_of(data, block_size)
    assert b"".join(blocks) == data
    assert all(block.endswith(b"\n") for block in blocks[:-1])
    assert blocks[-1].endswith(b"tail without newline")


def test_a_line_longer_than_the_block_comes_whole() -> None:
    """A 10 KiB line read with 1 KiB blocks arrives in one piece, and so do its neighbours."""
    long_line = b"y" * 10240 + b"\n"
    data = b"short\n" + long_line + b"after\n"
    blocks = blocks_of(data, 1024)
    assert blocks[0] == b"short\n"
    assert blocks[1].startswith(long_line)  # the grown buffer may hold the next lines too
    assert b"".join(blocks) == data
    assert all(block.endswith(b"\n") for block in blocks)


def test_an_empty_stream_has_no_blocks() -> None:
    """Nothing to read, nothing yielded (not one empty block)."""
    assert blocks_of(b"", 64) == []


def test_a_truncated_gzip_stream_gives_up_what_it_has_then_reports() -> None:
    """Lines before the damage are yielded, then UnreadableLogError says what went wrong."""
    data = b"".join(b"line %06d\n" % number for number in range(20000))
    compressed = gzip.compress(data)
    stream = gzip.GzipFile(fileobj=io.BytesIO(compressed[: len(compressed) // 2]))
    seen = bytearray()
    with pytest.raises(UnreadableLogError):
        for block, end in read_blocks(stream, 4096):
            seen += block[:end]
    assert len(seen) > 4096
    assert data.startswith(seen)


def _filler(rng: random.Random, minute: float) -> dict[str, object]:
    symbols = "".join(rng.choice(CROCKFORD_ALPHABET) for _ in range(15))
    request_id = f"{symbols[:5]}-{symbols[5:10]}-{symbols[10:]}"
    return request(at(minute), request_id, "GET", "/index", 200, rng.randint(1, 99))


def _padded_to(record: dict[str, object], offset: int, target: int) -> dict[str, object]:
    """`record` with a `pad` field sized so that, written at `offset`, its line ends at `target`."""
    base = len(encode({**record, "pad": ""})) + 1
    return {**record, "pad": "p" * (target - offset - base)}


def test_every_spelling_is_found_wherever_blocks_split_the_file(tmp_path: Path) -> None:
    """Several blocks of traffic with the ID in every spelling, one cut by a block boundary.

    The answer must equal a brute-force reading of every line: nothing missed, nothing twice,
    and no near miss (another ID, a longer one, dots instead of dashes) let in.
    """
    rng = random.Random(5)  # noqa: S311 (test data)
    events: list[dict[str, object]] = []
    offset = 0
    planted = [TARGET, *SPELLINGS, *NEAR_MISSES]
    for index in range(9000):  # ~2.3 MB: about nine blocks
        record = _filler(rng, index / 1000)
        if index % 600 == 300:
            record["request_id"] = planted[(index // 600) % len(planted)]
        events.append(record)
        offset += len(encode(record)) + 1
        if BLOCK_SIZE - 3000 < offset < BLOCK_SIZE:
            # The first block is the file's first BLOCK_SIZE bytes up to its last newline. End a
            # line 200 bytes short of that, its ID the last thing in it (at the very end of the
            # block's whole lines), then write a TARGET line whose ID falls before the boundary
            # and whose rest falls after it: that ID sits in the block's partial tail.
            last = {"timestamp": at(index / 1000), "level": "info", "event": "request_finished",
                    "pad": "", "request_id": SPELLINGS[3]}
            lead = _padded_to(last, offset, BLOCK_SIZE - 200)
            cut = {**request(at(index / 1000), TARGET, "GET", "/cut", 200, 1), "pad": "q" * 400}
            assert encode(cut).index(TARGET.encode()) + len(TARGET) < 200
            events += [lead, cut]
            offset = BLOCK_SIZE - 200 + len(encode(cut)) + 1
    for extra in ("1E1EJ-N20PN-HJYXG", "0B1ZX-4K1P0-RT9WM"):
        events.append(request(at(99), extra, "GET", "/end", 200, 1))  # the last line, too
    write_log_files(tmp_path, [LogFile("microblog.log", events=events)])

    expected = [line for line in (tmp_path / "microblog.log").read_bytes().splitlines()
                if normalize_request_id(orjson.loads(line)["request_id"]) == "1E1EJN20PNHJYXG"]
    found = find_request(tmp_path, "ie1ejn2opnhjyxg")
    assert sorted(entry.raw for entry in found) == sorted(expected)
    assert all(type(entry.raw) is bytes for entry in found)  # copies, not views of the buffer
    assert {entry.event["request_id"] for entry in found} == {TARGET, *SPELLINGS}
    assert [entry.event.get("path") for entry in found].count("/cut") == 1


def test_an_id_with_no_canonical_spelling_is_found_by_its_fold(tmp_path: Path) -> None:
    """A client's own 15-character ID (lower case, no dashes) is found from any spelling of it."""
    client_id = "abcdefghjkmnpqr"
    write_log_files(tmp_path, [LogFile("microblog.log", events=[
        request(at(1), client_id, "GET", "/index", 200, 7),
        request(at(2), "ABCDE-FGHJK-MNPQS", "GET", "/index", 200, 7),
    ])])
    found = find_request(tmp_path, "ABCDE-FGHJK-MNPQR")
    assert [entry.event["request_id"] for entry in found] == [client_id]
