"""Contact sheet of videos: every k-th frame of each video, one video per row (docs, model cards).

Usage: python scripts/contact_sheet.py VIDEO [VIDEO ...] OUT.jpg [--every 25] [--columns N]
With one video and no --columns the frames wrap in rows of 6; smaller frames are padded with black.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from infinite_nature.data.writer import write_image
from infinite_nature.image import tile


def frames_of(video: str, every: int) -> list[np.ndarray]:
    reader = imageio_ffmpeg.read_frames(video)
    width, height = next(reader)["size"]
    return [np.frombuffer(f, np.uint8).reshape(height, width, 3) for i, f in enumerate(reader) if i % every == 0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("videos", nargs="+")
    parser.add_argument("out")
    parser.add_argument("--every", type=int, default=25)
    parser.add_argument("--columns", type=int, default=None)
    args = parser.parse_args()
    if args.every < 1:
        parser.error(f"--every must be at least 1, got {args.every}")
    missing = [video for video in args.videos if not Path(video).is_file()]
    if missing:
        parser.error(f"no such video: {', '.join(missing)}")
    try:
        rows = [frames_of(video, args.every) for video in args.videos]
    except OSError as error:  # imageio-ffmpeg: not a video ffmpeg can read
        parser.error(f"cannot read the videos: {str(error).splitlines()[0]}")
    if not all(rows):
        parser.error("a video has no frames")
    height = max(f.shape[0] for row in rows for f in row)
    width = max(f.shape[1] for row in rows for f in row)
    rows = [[np.pad(f, ((0, height - f.shape[0]), (0, width - f.shape[1]), (0, 0))) for f in row] for row in rows]
    if len(rows) == 1:
        sheet = tile(rows[0], args.columns or 6)
    else:
        columns = args.columns or max(len(row) for row in rows)
        sheet = tile([frame for row in rows for frame in (row + [np.zeros_like(row[0])] * columns)[:columns]], columns)
    write_image(args.out, sheet, quality=88)
    print(f"wrote {args.out} ({sum(len(r) for r in rows)} frames from {len(rows)} video(s))")


if __name__ == "__main__":
    main()
