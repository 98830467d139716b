"""Contact sheet of a video: every k-th frame in a grid (for docs and model cards).

Usage: python scripts/contact_sheet.py VIDEO OUT.jpg [--every 25] [--columns 6]
"""

from __future__ import annotations

import argparse

import imageio_ffmpeg
import numpy as np

from infinite_nature.data.writer import write_image
from infinite_nature.image import tile


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
    write_image(args.out, tile(kept, args.columns), quality=88)
    print(f"wrote {args.out} ({len(kept)} tiles)")


if __name__ == "__main__":
    main()
