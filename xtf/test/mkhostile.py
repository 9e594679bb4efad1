#!/usr/bin/env python3
"""Write hostile boot images derived from a good test kernel, for tests that
prove the hypervisor refuses them while other domains run (tests/bad-elf).

Usage: mkhostile.py GOOD_IMAGE OUTDIR
Writes OUTDIR/hostile-<kind> for every kind below.  GOOD_IMAGE is an ELF32
image (the container every XTF image is shipped in).
"""
import os
import struct
import sys


def phdrs(img):
    phoff, = struct.unpack_from("<I", img, 28)
    phentsize, phnum = struct.unpack_from("<HH", img, 42)
    return [phoff + i * phentsize for i in range(phnum)]


def first(img, ptype):
    for off in phdrs(img):
        if struct.unpack_from("<I", img, off)[0] == ptype:
            return off
    raise SystemExit(f"mkhostile: no program header of type {ptype}")


def variant(img, kind):
    b = bytearray(img)
    load, note = first(img, 1), first(img, 4)
    if kind == "truncated":
        return bytes(b[:40])
    if kind == "badmagic":
        b[1] = ord("X")
    elif kind == "badmachine":
        struct.pack_into("<H", b, 18, 0x28)  # ARM
    elif kind == "phoff":
        struct.pack_into("<I", b, 28, 0xfffffff0)
    elif kind == "phnum":
        struct.pack_into("<H", b, 44, 0xffff)
    elif kind == "filesz":
        struct.pack_into("<I", b, load + 16, 0x7fffffff)
    elif kind == "memsz":
        struct.pack_into("<I", b, load + 20, 0xfffff000)
    elif kind == "lowload":
        struct.pack_into("<I", b, load + 12, 0x1000)  # p_paddr below 1 MiB
    elif kind == "highload":
        struct.pack_into("<I", b, load + 12, 0xfff00000)
    elif kind == "noentry":
        # Retype the note segment: no PVH entry point is found.
        struct.pack_into("<I", b, note, 6)
    elif kind == "badnote":
        noff, = struct.unpack_from("<I", img, note + 4)
        struct.pack_into("<I", b, noff, 0xffffff00)  # namesz
    else:
        raise SystemExit(f"mkhostile: unknown kind {kind}")
    return bytes(b)


KINDS = ["truncated", "badmagic", "badmachine", "phoff", "phnum", "filesz", "memsz", "lowload",
         "highload", "noentry", "badnote"]


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 1
    with open(argv[0], "rb") as f:
        img = f.read()
    if img[:4] != b"\x7fELF" or img[4] != 1:
        print(f"mkhostile: {argv[0]}: not an ELF32 image", file=sys.stderr)
        return 1
    for kind in KINDS:
        path = os.path.join(argv[1], f"hostile-{kind}")
        with open(path + ".tmp", "wb") as f:
            f.write(variant(img, kind))
        os.replace(path + ".tmp", path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
