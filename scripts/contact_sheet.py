"""Contact sheet of a video: every k-th frame in a grid (for docs and model cards).

Usage: python scripts/contact_sheet.py VIDEO OUT.jpg [--every 25] [--columns 6]
"""

from __future__ import annotations

import argparse

import imageio_ffmpeg
import numpy as np

from infinite_nature.data.writer import write_image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("video")
    parser.add_argument("out")
    parser.add_argument("--every", type=int, default=25)
    parser.add_argument("--columns", type=int, default=6)
    args = parser.parse_args()
    reader = imageio_ffmpeg.read_frames(args.video)
    width, height = next(reader)["size"]
    kept = [np.frombuffer(f, np.uint8).reshape(height, width, 3) for i, f in enumerate(reader) if i % args.every == 0]
    while len(kept) % args.columns:
        kept.append(np.zeros_like(kept[0]))
    rows = [np.concatenate(kept[i : i + args.columns], axis=1) for i in range(0, len(kept), args.columns)]
    write_image(args.out, np.concatenate(rows, axis=0), quality=88)
    print(f"wrote {args.out} ({len(kept)} tiles)")


if __name__ == "__main__":
    main()
