"""Draw the extension's 128x128 icon (images/icon.png) with the standard library only.

A teal rounded square, a white check mark and an amber wavy underline: "checked wording".
Run: python3 images/make_icon.py
"""

import math
import struct
import zlib
from pathlib import Path

N = 128
TEAL, WHITE, AMBER = (31, 111, 120), (255, 255, 255), (242, 193, 78)


def _near_segment(x, y, a, b, width):
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - ax - t * dx, y - ay - t * dy) <= width / 2


def pixel(x, y):
    r = 24  # corner radius of the square
    cx, cy = min(max(x, r + 4), N - r - 5), min(max(y, r + 4), N - r - 5)
    if math.hypot(x - cx, y - cy) > r:
        return (0, 0, 0, 0)
    if _near_segment(x, y, (30, 62), (54, 86), 13) or _near_segment(x, y, (54, 86), (98, 34), 13):
        return (*WHITE, 255)
    if 96 <= y <= 116 and 20 <= x <= 108 and abs(y - (106 + 5 * math.sin((x - 20) / 7))) <= 3:
        return (*AMBER, 255)
    return (*TEAL, 255)


def png(path: Path) -> None:
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(N)) for y in range(N))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", N, N, 8, 6, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


if __name__ == "__main__":
    png(Path(__file__).with_name("icon.png"))
