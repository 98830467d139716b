"""Camera geometry: intrinsics, projection and poses (OpenCV camera frame, camera-to-world poses)."""

from infinite_nature.geometry.intrinsics import crop_intrinsics, intrinsics_from_fov, resize_intrinsics
from infinite_nature.geometry.pose import (
    interpolate_pose,
    look_at,
    look_direction,
    relative_pose,
    transform_points,
)
from infinite_nature.geometry.projection import pixel_grid, project, unproject

__all__ = [
    "crop_intrinsics",
    "interpolate_pose",
    "intrinsics_from_fov",
    "look_at",
    "look_direction",
    "pixel_grid",
    "project",
    "relative_pose",
    "resize_intrinsics",
    "transform_points",
    "unproject",
]
