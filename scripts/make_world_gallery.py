"""Render the procedural-world gallery in docs/gallery (a contact sheet of start views).

Usage: python scripts/make_world_gallery.py [--seeds 0 1 ...] [--out docs/gallery/worlds.jpg]
"""

from __future__ import annotations

import argparse

from infinite_nature.data.writer import write_image
from infinite_nature.image import tile
from infinite_nature.world import World


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(12)))
    parser.add_argument("--columns", type=int, default=4)
    parser.add_argument("--size", type=int, nargs=2, default=(192, 256), metavar=("HEIGHT", "WIDTH"))
    parser.add_argument("--out", default="docs/gallery/worlds.jpg")
    args = parser.parse_args()
    tiles = []
    for seed in args.seeds:
        world = World(seed)
        view = world.render(world.sample_camera(*args.size))
        tiles.append(view.rgb_uint8())
        print(f"seed {seed}: {world.params.time_of_day}, sky {float(view.sky.float().mean()):.2f}")
    write_image(args.out, tile(tiles, args.columns), quality=88)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
