"""Gzip for a stored page that gets values of its own in every response (a form token), without
compressing the whole page again each time.

The page is cut at its slots. Each fixed piece is deflated once, when the page is stored; each
response adds only its own values, and the pieces are joined into one gzip stream. Every
piece is deflated on its own (a fresh compressor, ended by a sync flush: byte-aligned, and no
back-reference into another piece) and each value is stored as it is (deflate's uncompressed
blocks), so the size of a secret put in a slot never depends on the rest of the page, nor on
itself: BREACH, which reads a secret through the way it compresses together with text an
attacker had reflected in the page, has nothing to measure.
"""

import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time, unknown system
END_OF_STREAM = b"\x03\x00"  # a final, empty deflate block
LEVEL = 6


@lru_cache(maxsize=256)
def accepts_gzip(accept_encoding: str) -> bool:
    """Whether a request's Accept-Encoding names gzip with a quality above zero (RFC 9110, 12.5.3).

    `gzip;q=0` says "never gzip": a plain word search (Django's GZipMiddleware's) would send gzip
    anyway. Remembered per header value: browsers send a handful of them."""
    for coding in accept_encoding.lower().split(","):
        name, *parameters = (part.strip() for part in coding.split(";"))
        if name != "gzip":
            continue
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


def stored_piece(data: bytes) -> bytes:
    """`data` as deflate's stored (uncompressed) blocks: no compressor to set up for a few bytes,
    and nothing about the value's content in its size."""
    blocks = []
    for start in range(0, len(data), 65535):
        chunk = data[start:start + 65535]
        blocks.append(b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk)  # not final, stored
    return b"".join(blocks)


def deflate_piece(data: bytes) -> bytes:
    """Raw deflate of `data` on its own, ending on a byte boundary, the stream left open."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


@dataclass(frozen=True)
class PageWithSlots:
    pieces: tuple[bytes, ...]  # the page cut at its slots: one more piece than slots
    deflated: tuple[bytes, ...]  # each piece deflated on its own
    slots: tuple[bytes, ...]  # the markers that stood in the page, in order of appearance

    @classmethod
    def cut(cls, content: bytes, markers: tuple[bytes, ...]) -> "PageWithSlots":
        """Cut `content` at the first appearance of each marker (each must appear)."""
        found = sorted((content.index(marker), marker) for marker in markers)
        pieces, start = [], 0
        for position, marker in found:
            pieces.append(content[start:position])
            start = position + len(marker)
        pieces.append(content[start:])
        return cls(tuple(pieces), tuple(deflate_piece(piece) for piece in pieces), tuple(marker for _, marker in found))

    def ordered(self, values: dict[bytes, bytes]) -> list[bytes]:
        return [values[slot] for slot in self.slots]

    def plain(self, values: dict[bytes, bytes]) -> bytes:
        parts = [self.pieces[0]]
        for value, piece in zip(self.ordered(values), self.pieces[1:], strict=True):
            parts += [value, piece]
        return b"".join(parts)

    def gzipped(self, values: dict[bytes, bytes]) -> bytes:
        body, crc, size = [self.deflated[0]], zlib.crc32(self.pieces[0]), len(self.pieces[0])
        for value, piece, deflated in zip(self.ordered(values), self.pieces[1:], self.deflated[1:], strict=True):
            body += [stored_piece(value), deflated]
            crc = zlib.crc32(piece, zlib.crc32(value, crc))
            size += len(value) + len(piece)
        return b"".join([GZIP_HEADER, *body, END_OF_STREAM, struct.pack("<II", crc, size & 0xFFFFFFFF)])
