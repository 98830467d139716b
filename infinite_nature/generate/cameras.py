"""Per-frame cameras as a ``transforms.json`` that nerfstudio and instant-ngp read.

Those tools use the OpenGL camera frame (x right, y up, z backwards) for
``transform_matrix``; ours is OpenCV, so the y and z axes are flipped on the way out.
``file_path`` names ``images/NNNNN.png``: for a video output, extract the frames with
``ffmpeg -i NAME.mp4 -start_number 0 images/%05d.png``.
"""

from __future__ import annotations

import torch

OPENCV_TO_OPENGL = torch.diag(torch.tensor([1.0, -1.0, -1.0, 1.0], dtype=torch.float64))


class CameraLog:
    def __init__(self, height: int, width: int) -> None:
        self.height, self.width = height, width
        self.frames: list[dict[str, object]] = []

    def add(self, index: int, pose: torch.Tensor, intrinsics: torch.Tensor) -> None:
        k = intrinsics.double()
        self.frames.append(
            {
                "file_path": f"images/{index:05d}.png",
                "transform_matrix": (pose.double().cpu() @ OPENCV_TO_OPENGL).tolist(),
                "fl_x": float(k[0, 0]), "fl_y": float(k[1, 1]), "cx": float(k[0, 2]) + 0.5, "cy": float(k[1, 2]) + 0.5,
            }
        )

    def to_json(self) -> dict[str, object]:
        first = self.frames[0] if self.frames else {}
        return {
            "camera_model": "OPENCV",
            "w": self.width,
            "h": self.height,
            "fl_x": first.get("fl_x"), "fl_y": first.get("fl_y"), "cx": first.get("cx"), "cy": first.get("cy"),
            "k1": 0.0, "k2": 0.0, "p1": 0.0, "p2": 0.0,
            "frames": self.frames,
        }
