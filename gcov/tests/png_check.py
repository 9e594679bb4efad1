#!/usr/bin/env python3
"""Check that a PNG file decodes and is not a blank page: its colour bytes
must take more than a handful of distinct values. Exits 1 with a message."""
import struct
import sys
import zlib


def main(path):
    try:
        data = open(path, "rb").read()
    except OSError as e:
        sys.exit(f"{path}: {e.strerror}")
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG file")
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    pixels = zlib.decompress(idat)
    distinct = len(set(pixels))
    print(f"{path}: {width}x{height}, {distinct} distinct byte values")
    if width < 100 or height < 100 or distinct < 16:
        sys.exit(f"{path}: looks blank")


if __name__ == "__main__":
    main(sys.argv[1])
