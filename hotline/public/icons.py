"""The public site's own icon (web app manifest, home screen), drawn here: a white map pin on
the hotline's blue, as PNG. No third-party image; made once per size and kept in memory.

PNG is written with the standard library (zlib and a CRC per chunk, RFC 2083): the image is a
few flat shapes, so no imaging library is needed."""

from __future__ import annotations

import functools
import struct
import zlib

BLUE = (11, 83, 148)  # the site's header colour
WHITE = (255, 255, 255)
SIZES = (192, 512)


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    """An 8-bit RGB PNG from `height` rows of `width` * 3 bytes each."""
    if len(rows) != height or any(len(r) != width * 3 for r in rows):
        raise ValueError("rows must be height rows of width RGB pixels")

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + r for r in rows)  # filter type 0 on every row
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def solid_png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    row = bytes(colour) * width
    return png(width, height, [row] * height)


@functools.lru_cache(maxsize=len(SIZES))
def icon(size: int) -> bytes:
    """The icon at `size` pixels square: a pin (a disc with a hole, its point below) centred on
    blue, inside the safe zone of maskable icons (the middle 80%)."""
    if size not in SIZES:
        raise ValueError(f"icon sizes: {SIZES}")
    cx, cy, r = size / 2, size * 0.42, size * 0.2  # the pin's head
    hole, tip = r * 0.42, size * 0.8  # its hole; the y of its point
    rows = []
    for y in range(size):
        row = bytearray(bytes(BLUE) * size)
        for x in range(size):
            dx, dy = x + 0.5 - cx, y + 0.5 - cy
            d2 = dx * dx + dy * dy
            head = d2 <= r * r and d2 > hole * hole
            # the point: a triangle from the head's widest chord down to the tip
            below = cy <= y + 0.5 <= tip and abs(dx) <= r * 0.87 * (tip - y - 0.5) / (tip - cy) and d2 > hole * hole
            if head or below:
                row[x * 3:x * 3 + 3] = bytes(WHITE)
        rows.append(bytes(row))
    return png(size, size, rows)
