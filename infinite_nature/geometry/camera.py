"""A pinhole camera (intrinsics + camera-to-world pose + image size) and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from infinite_nature.geometry.intrinsics import horizontal_fov_degrees, intrinsics_from_fov


@dataclass
class Camera:
    """One camera: ``intrinsics`` [3, 3] in pixels, ``pose`` [4, 4] camera-to-world (OpenCV)."""

    intrinsics: torch.Tensor  # [3, 3]
    pose: torch.Tensor  # [4, 4]
    height: int
    width: int

    @classmethod
    def from_fov(cls, pose: torch.Tensor, fov_degrees: float, height: int, width: int) -> Camera:
        return cls(intrinsics_from_fov(fov_degrees, height, width, dtype=pose.dtype)[0], pose, height, width)

    @property
    def position(self) -> torch.Tensor:  # [3]
        return self.pose[:3, 3]

    @property
    def fov_degrees(self) -> float:
        return float(horizontal_fov_degrees(self.intrinsics[None], self.width)[0])

    def world_rays(self, dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
        """Origin [3] and per-pixel world directions [H*W, 3] scaled so camera-z = 1 (t = depth)."""
        v, u = torch.meshgrid(
            torch.arange(self.height, dtype=torch.float64),
            torch.arange(self.width, dtype=torch.float64),
            indexing="ij",
        )
        pixels = torch.stack([u, v, torch.ones_like(u)], dim=-1).reshape(-1, 3)
        rays = pixels @ torch.linalg.inv(self.intrinsics.double()).T  # camera frame, z = 1
        directions = rays @ self.pose[:3, :3].double().T
        return self.position.to(dtype), directions.to(dtype)

    def to_dict(self) -> dict[str, object]:
        return {
            "height": self.height,
            "width": self.width,
            "intrinsics": self.intrinsics.tolist(),
            "camera_to_world": self.pose.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Camera:
        try:
            camera = cls(
                torch.tensor(data["intrinsics"], dtype=torch.float64),
                torch.tensor(data["camera_to_world"], dtype=torch.float64),
                int(data["height"]),  # type: ignore[arg-type]
                int(data["width"]),  # type: ignore[arg-type]
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not a camera record: {error}") from error
        if camera.intrinsics.shape != (3, 3) or camera.pose.shape != (4, 4):
            raise ValueError("camera record needs a 3x3 'intrinsics' and a 4x4 'camera_to_world'")
        return camera
