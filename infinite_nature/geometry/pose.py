"""Pose convention (the one place that defines it).

Camera frame: OpenCV, x right, y down, z forward. A *pose* is the ``[B, 4, 4]``
camera-to-world transform ``T_wc`` (it maps camera-frame points to world points; its
last column is the camera centre in the world). The world frame is that of the identity
camera: x right (east), y down, z forward (north); so *up* is ``-y`` and heights are
``-y``. A *relative pose* ``T_ts`` maps points of a source camera's frame to a target
camera's frame.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from kornia.geometry.conversions import quaternion_to_rotation_matrix, rotation_matrix_to_quaternion
from kornia.geometry.linalg import compose_transformations, inverse_transformation

WORLD_UP = (0.0, -1.0, 0.0)


def relative_pose(source_pose: torch.Tensor, target_pose: torch.Tensor) -> torch.Tensor:
    """``T_ts = inv(T_wt) @ T_ws``: maps source-camera points into the target camera, [B, 4, 4]."""
    return compose_transformations(inverse_transformation(target_pose), source_pose)


def transform_points(transform: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """Apply ``[B, 4, 4]`` transforms to ``[B, N, 3]`` points."""
    rotation = transform[:, :3, :3]
    translation = transform[:, :3, 3]
    return points @ rotation.transpose(1, 2) + translation[:, None, :]


def look_direction(
    position: torch.Tensor,  # [B, 3]
    forward: torch.Tensor,  # [B, 3]
    up: torch.Tensor | None = None,  # [B, 3], default world up (-y)
) -> torch.Tensor:  # [B, 4, 4]
    """Camera-to-world pose at ``position`` looking along ``forward`` with no roll."""
    if up is None:
        up = position.new_tensor(WORLD_UP).expand_as(position)
    z = F.normalize(forward, dim=-1)
    x = torch.linalg.cross(-up, z, dim=-1)  # image right = down x forward
    x_norm = x.norm(dim=-1, keepdim=True)
    if bool((x_norm < 1e-6).any()):
        raise ValueError("look direction is parallel to the up vector; the roll is undefined")
    x = x / x_norm
    y = torch.linalg.cross(z, x, dim=-1)
    pose = torch.eye(4, dtype=position.dtype, device=position.device).repeat(position.shape[0], 1, 1)
    pose[:, :3, 0] = x
    pose[:, :3, 1] = y
    pose[:, :3, 2] = z
    pose[:, :3, 3] = position
    return pose


def look_at(position: torch.Tensor, target: torch.Tensor, up: torch.Tensor | None = None) -> torch.Tensor:
    """Camera-to-world pose at ``position`` looking at ``target`` (both [B, 3]) with no roll."""
    return look_direction(position, target - position, up)


def _slerp(q0: torch.Tensor, q1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation of unit quaternions ``[B, 4]`` by ``t`` [B, 1] (shortest arc)."""
    dot = (q0 * q1).sum(-1, keepdim=True)
    q1 = torch.where(dot < 0, -q1, q1)
    dot = dot.abs().clamp(max=1.0)
    theta = torch.acos(dot)
    sin_theta = torch.sin(theta)
    near = sin_theta < 1e-6
    safe = torch.where(near, torch.ones_like(sin_theta), sin_theta)
    w0 = torch.where(near, 1 - t, torch.sin((1 - t) * theta) / safe)
    w1 = torch.where(near, t, torch.sin(t * theta) / safe)
    return F.normalize(w0 * q0 + w1 * q1, dim=-1)


def interpolate_pose(pose0: torch.Tensor, pose1: torch.Tensor, t: float | torch.Tensor) -> torch.Tensor:
    """Pose between two poses ``[B, 4, 4]``: slerp of rotation, lerp of position, t in [0, 1]."""
    t = torch.as_tensor(t, dtype=pose0.dtype, device=pose0.device).reshape(-1, 1).expand(pose0.shape[0], 1)
    q = _slerp(rotation_matrix_to_quaternion(pose0[:, :3, :3]), rotation_matrix_to_quaternion(pose1[:, :3, :3]), t)
    out = torch.eye(4, dtype=pose0.dtype, device=pose0.device).repeat(pose0.shape[0], 1, 1)
    out[:, :3, :3] = quaternion_to_rotation_matrix(q)
    out[:, :3, 3] = (1 - t) * pose0[:, :3, 3] + t * pose1[:, :3, 3]
    return out
