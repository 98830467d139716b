"""A procedural nature world: render any pinhole camera with exact depth and sky mask."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from infinite_nature.disparity import normalise_metric_depth
from infinite_nature.geometry.camera import Camera
from infinite_nature.geometry.pose import look_direction
from infinite_nature.image import tensor_to_image
from infinite_nature.world.clipmap import BASE_CELL, Clipmap
from infinite_nature.world.params import WorldParams
from infinite_nature.world.raymarch import march
from infinite_nature.world.shading import Shader
from infinite_nature.world.sky import Sky
from infinite_nature.world.terrain import Terrain

MIN_CLEARANCE = 2.0  # metres a camera keeps above the ground or water
START_PITCH_DEGREES = (-12.0, -3.0)
START_SKY_FRACTION = (0.08, 0.65)
START_REGION = 4000.0  # start cameras are drawn within this many metres of the origin


@dataclass
class WorldView:
    """One rendered view: colour, exact depth, sky mask and normalised disparity."""

    rgb: torch.Tensor  # [1, 3, H, W] float in [0, 1]
    depth: torch.Tensor  # [1, 1, H, W] metric camera-z depth, inf for sky
    sky: torch.Tensor  # [1, 1, H, W] bool, True where the ray escaped (depth is inf)
    disparity: torch.Tensor  # [1, 1, H, W] normalised disparity (see infinite_nature.disparity)
    scale: float  # z_scene = z_metric * scale: converts metres to the disparity's scene units
    camera: Camera

    def rgb_uint8(self) -> np.ndarray:  # [H, W, 3]
        return tensor_to_image(self.rgb)


def _tonemap(colour: torch.Tensor, temperature: float) -> torch.Tensor:
    """Soft highlight roll-off plus white balance, to [0, 1]."""
    balance = torch.tensor([1.0 + temperature, 1.0, 1.0 - temperature])
    colour = colour * balance
    colour = colour * (1.0 + colour / 4.0) / (1.0 + colour)  # Reinhard, white point 2
    return colour.clamp(0.0, 1.0) ** (1 / 1.1)


class World:
    """``World(seed, **params)``: deterministic per seed; any WorldParams field can be overridden."""

    def __init__(self, seed: int, **overrides: object) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = seed
        self.params = WorldParams.sample(seed).replace(**overrides)
        self.terrain = Terrain(self.params, seed)
        self.sky = Sky(self.params, seed)
        self.shader = Shader(self.params, seed, self.terrain, self.sky)
        self.clipmap = Clipmap(self.terrain)
        self.far = min(14000.0, self.clipmap.reach)

    def surface(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """Height of what a ray stops on (ground or water) from the current clipmap."""
        return torch.maximum(self.clipmap.height(x, z), torch.full_like(x, self.terrain.water_level))

    def surface_height(self, x: float, z: float) -> float:
        """Ground-or-water height under a world point, at the detail the renderer draws up close."""
        ground = self.terrain.height(torch.tensor([x]), torch.tensor([z]), min_wavelength=2.0 * BASE_CELL)
        return max(float(ground), self.terrain.water_level)

    @torch.no_grad()
    def render(self, camera: Camera) -> WorldView:
        """Render one camera: colour, metric depth, sky mask and normalised disparity."""
        origin, directions = camera.world_rays()
        self.clipmap.centre_on(float(origin[0]), float(origin[2]))
        depth = march(origin, directions, self.surface, self.terrain.max_height, self.far)
        sky = ~torch.isfinite(depth)
        ground = ~sky
        unit = torch.nn.functional.normalize(directions, dim=1)
        colour = torch.empty(directions.shape[0], 3)
        if bool(sky.any()):
            colour[sky] = self.sky.colour(unit[sky])
        if bool(ground.any()):
            t = depth[ground]
            points = origin + t[:, None] * directions[ground]
            x, z = points[:, 0], points[:, 2]
            distance = t * directions[ground].norm(dim=1)
            terrain = self.clipmap.height(x, z)
            water = terrain < self.terrain.water_level
            surface = self.shader.ground(self.clipmap, x, z, terrain, distance)
            if bool(water.any()):
                surface[water] = self.shader.water(x[water], z[water], terrain[water], unit[ground][water])
            heights = torch.maximum(terrain, torch.full_like(terrain, self.terrain.water_level))
            colour[ground] = self.shader.haze(surface, unit[ground], distance, heights)
        height, width = camera.height, camera.width
        rgb = _tonemap(colour, self.params.colour_temperature).T.reshape(1, 3, height, width)
        depth_map = depth.view(1, 1, height, width)
        sky_map = sky.view(1, 1, height, width)
        if bool(sky_map.all()):
            disparity, scale = torch.full_like(depth_map, 0.01), torch.ones(1)
        else:
            disparity, scale = normalise_metric_depth(depth_map, sky_map)
        return WorldView(rgb.contiguous(), depth_map, sky_map, disparity, float(scale[0]), camera)

    @torch.no_grad()
    def sky_dome(self, height: int, width: int, min_elevation: float) -> torch.Tensor:  # [1, 3, H, W]
        """The world's sky as an equirectangular dome (render/sky_dome.py convention), tonemapped like views."""
        from infinite_nature.render.sky_dome import panorama_directions

        directions = panorama_directions(height, width, min_elevation).reshape(-1, 3)
        colour = _tonemap(self.sky.colour(directions), self.params.colour_temperature)
        return colour.T.reshape(1, 3, height, width).contiguous()

    def camera_at(
        self, x: float, z: float, height_above_ground: float, yaw_degrees: float, pitch_degrees: float,
        image_height: int, image_width: int,
    ) -> Camera:
        """A level (no roll) camera ``height_above_ground`` metres over ``(x, z)``; yaw clockwise from north."""
        ground = self.surface_height(x, z)
        yaw, pitch = math.radians(yaw_degrees), math.radians(pitch_degrees)
        forward = torch.tensor(
            [[math.cos(pitch) * math.sin(yaw), -math.sin(pitch), math.cos(pitch) * math.cos(yaw)]], dtype=torch.float64
        )
        position = torch.tensor([[x, -(ground + max(height_above_ground, MIN_CLEARANCE)), z]], dtype=torch.float64)
        pose = look_direction(position, forward)[0]
        return Camera.from_fov(pose, self.params.fov_degrees, image_height, image_width)

    def sample_camera(self, height: int = 256, width: int = 256, index: int = 0, attempts: int = 40) -> Camera:
        """A plausible start camera: above ground, horizon in view (8-65% sky), nothing right in front.

        ``index`` picks another start in the same world. Raises RuntimeError if no candidate passes.
        """
        for attempt in range(attempts):
            rng = np.random.default_rng(np.random.PCG64([self.seed, index, attempt]))
            x, z = rng.uniform(-START_REGION, START_REGION, size=2)
            camera = self.camera_at(
                float(x), float(z),
                self.params.camera_height * float(rng.uniform(0.7, 1.3)),
                float(rng.uniform(0.0, 360.0)),
                float(rng.uniform(*START_PITCH_DEGREES)),
                height, width,
            )
            preview = self.render(_resized(camera, 24, 32))
            sky_fraction = float(preview.sky.float().mean())
            nearest = float(preview.depth.min())
            if START_SKY_FRACTION[0] <= sky_fraction <= START_SKY_FRACTION[1] and nearest > 3.0:
                return camera
        raise RuntimeError(f"world {self.seed}: no start camera passed the checks in {attempts} attempts")

    def trajectory(self, start: Camera, steps: int, step_length: float = 4.0, turn_degrees: float = 0.0) -> list[Camera]:
        """Cameras flying forward from ``start`` (ground-truth path): keeps the start's height above
        ground (smoothly), never below the surface, turning ``turn_degrees`` per step."""
        if steps < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
        pose = start.pose.clone()
        forward = pose[:3, 2].clone()
        position = pose[:3, 3].clone()
        clearance = -float(position[1]) - self.surface_height(float(position[0]), float(position[2]))
        cameras = [start]
        for _ in range(steps):
            if turn_degrees:
                angle = math.radians(turn_degrees)
                c, s = math.cos(angle), math.sin(angle)
                forward = torch.stack([c * forward[0] + s * forward[2], forward[1], -s * forward[0] + c * forward[2]])
            flat = torch.nn.functional.normalize(torch.stack([forward[0], forward.new_zeros(()), forward[2]]), dim=0)
            position = position + flat * step_length
            ground = self.surface_height(float(position[0]), float(position[2]))
            target_up = ground + clearance
            current_up = -float(position[1])
            new_up = max(current_up + 0.3 * (target_up - current_up), ground + MIN_CLEARANCE)
            position[1] = -new_up
            pose = look_direction(position[None], forward[None])[0]
            cameras.append(Camera(start.intrinsics.clone(), pose, start.height, start.width))
        return cameras

    def render_path(self, cameras: list[Camera]) -> Iterator[WorldView]:
        """Ground-truth novel views along a camera path, one at a time."""
        for camera in cameras:
            yield self.render(camera)


def _resized(camera: Camera, height: int, width: int) -> Camera:
    from infinite_nature.geometry.intrinsics import resize_intrinsics

    k = resize_intrinsics(camera.intrinsics[None], width / camera.width, height / camera.height)[0]
    return Camera(k, camera.pose, height, width)
