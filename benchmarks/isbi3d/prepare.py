#!/usr/bin/python3
"""Stacks the ISBI 2012 training slices into volumes for the 3D acceptance runs (docs/benchmarks.md).

Writes, under OUT (never inside the repository):
  dense/images/a-train.tif   slices 00-19, 8-bit stack     dense/labels/a-train.tif   their labels (0 membrane, 255 cell)
  dense/images/b-held.tif    slices 20-24                  dense/labels/b-held.tif
  sparse/...                 the same, but the training labels keep only every 4th slice (00, 04, ..., 16); the
                             others hold 128, read as "unlabelled" with --unlabelled 128. The held-out labels stay whole.
The 2D runs read the slices where they are (--validation 5 holds out 20-24, the last five by name).
"""
import sys
from pathlib import Path

import numpy as np
import tifffile
from PIL import Image

UNLABELLED = 128


def stack(folder: Path, names):
    return np.stack([np.asarray(Image.open(folder / f"{n:02d}.png").convert("L")) for n in names]).astype(np.uint8)


def main(data: Path, out: Path):
    train, held = range(0, 20), range(20, 25)
    for variant in ("dense", "sparse"):
        for sub in ("images", "labels"):
            (out / variant / sub).mkdir(parents=True, exist_ok=True)
        labels = stack(data / "labels", train)
        if variant == "sparse":
            keep = np.zeros(len(train), dtype=bool)
            keep[::4] = True
            labels = np.where(keep[:, None, None], labels, UNLABELLED).astype(np.uint8)
        tifffile.imwrite(out / variant / "images" / "a-train.tif", stack(data / "images", train))
        tifffile.imwrite(out / variant / "labels" / "a-train.tif", labels)
        tifffile.imwrite(out / variant / "images" / "b-held.tif", stack(data / "images", held))
        tifffile.imwrite(out / variant / "labels" / "b-held.tif", stack(data / "labels", held))
    print(f"volumes written under {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py ISBI_FOLDER OUT_FOLDER")
    main(Path(sys.argv[1]), Path(sys.argv[2]))
