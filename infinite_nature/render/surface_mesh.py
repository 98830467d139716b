"""A source view's surfaces as a triangle mesh, rasterised where a view magnifies them.

Point splatting leaves a magnified surface as a lattice of points with gaps between them,
and whatever lies behind the surface shows through the gaps wherever the view has moved
the surface over it (flying low towards a slope, a surface rising over the far ground
beyond it): specks of the far colour in the near surface, which the resampler then reads
back faithfully and the next anchor keeps. Two neighbouring source pixels of one surface
enclose the surface between them; the mesh over the pixel grid (two triangles per square
of four pixels, none across a depth edge) says which target pixels that surface covers,
and at what disparity.

Only squares that span ``MIN_EXTENT`` pixels or more are rasterised: smaller ones lie within
the splat's footprints, which resolve them already (``render.splatting``), so the cost
follows how much of its anchor a view magnifies (none just after a new anchor, up to about
40% of its squares before the next; about 5 ms at 256² then). Disparity is affine in
screen space over a planar triangle, so it is interpolated linearly; other values
perspective-correctly. Nearest surface wins (largest disparity).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from infinite_nature.render.splatting import NEAR_DEPTH

MIN_EXTENT = 2.0  # squares spanning fewer pixels than this along both axes are left to the splat
MAX_EXTENT = 64  # ... and more than this along either (a surface flown into): left to the holes' fill
MAX_DEPTH_STEP = 0.1  # a triangle's farthest corner at most this much (relative) deeper than its nearest, in the source
CANDIDATE_BUDGET = 1 << 20  # pixel centres tested at once (about 80 MB of temporaries)


@dataclass
class MeshRaster:
    """What the nearest mesh surface shows at each target pixel (where ``covered``)."""

    values: torch.Tensor  # [B, C, H, W] interpolated per-vertex values, 0 where not covered
    disparity: torch.Tensor  # [B, 1, H, W] target disparity, 0 where not covered

    @property
    def covered(self) -> torch.Tensor:  # [B, 1, H, W] bool
        return self.disparity > 0


def _magnified_quads(
    uv: torch.Tensor,  # [H, W, 2]
    depth: torch.Tensor,  # [H, W]
    surface: torch.Tensor,  # [H, W] bool
) -> torch.Tensor:  # [Q] flat index of each chosen square's top-left pixel
    """The squares of four neighbouring pixels, all inside a surface and in front of the camera,
    whose target box spans ``MIN_EXTENT`` to ``MAX_EXTENT`` pixels: found with shifted slices,
    so the magnified squares are picked before any per-triangle work."""
    corners = lambda x: (x[:-1, :-1], x[:-1, 1:], x[1:, :-1], x[1:, 1:])  # noqa: E731
    uv_corners = corners(uv)
    low = torch.minimum(torch.minimum(uv_corners[0], uv_corners[1]), torch.minimum(uv_corners[2], uv_corners[3]))
    high = torch.maximum(torch.maximum(uv_corners[0], uv_corners[1]), torch.maximum(uv_corners[2], uv_corners[3]))
    extent = (high - low).amax(dim=-1)  # [H - 1, W - 1]
    chosen = (extent >= MIN_EXTENT) & (extent <= MAX_EXTENT)
    usable = surface & (depth > NEAR_DEPTH)
    for corner in corners(usable):
        chosen &= corner
    rows, columns = chosen.nonzero().unbind(dim=1)
    return rows * uv.shape[1] + columns


def _barycentric_planes(
    corner_uv: torch.Tensor,  # [T, 3, 2] each triangle's corners in the target
    inverse_z: torch.Tensor,  # [T, 3] their disparity
) -> tuple[torch.Tensor, torch.Tensor]:  # [T, 9], [T] bool
    """Per triangle, three affine functions of the pixel (x, y), each as (a, b, c) of
    ``a x + b y + c``: the barycentric weights of its second and third corners, and its
    disparity; and which triangles have an area (the others' rows are meaningless)."""
    a, b, c = corner_uv.unbind(dim=1)  # [T, 2] each
    ab, ac = b - a, c - a
    area = ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0]  # twice the signed area
    proper = area.abs() > 1e-9
    area = torch.where(proper, area, torch.ones_like(area))
    x_b, y_b = ac[:, 1] / area, -ac[:, 0] / area  # w_b = ((x - a_x) ac_y - (y - a_y) ac_x) / area
    x_c, y_c = -ab[:, 1] / area, ab[:, 0] / area  # w_c = ((y - a_y) ab_x - (x - a_x) ab_y) / area
    step_b, step_c = inverse_z[:, 1] - inverse_z[:, 0], inverse_z[:, 2] - inverse_z[:, 0]
    x_d, y_d = x_b * step_b + x_c * step_c, y_b * step_b + y_c * step_c
    return torch.stack([
        x_b, y_b, -(x_b * a[:, 0] + y_b * a[:, 1]),
        x_c, y_c, -(x_c * a[:, 0] + y_c * a[:, 1]),
        x_d, y_d, inverse_z[:, 0] - (x_d * a[:, 0] + y_d * a[:, 1]),
    ], dim=1), proper


def _draw(
    triangles: torch.Tensor,  # [T, 3] vertex indices
    corner_uv: torch.Tensor,  # [T, 3, 2]
    inverse_z: torch.Tensor,  # [T, 3]
    planes: torch.Tensor,  # [T, 9] from _barycentric_planes
    first: torch.Tensor,  # [T, 2] the first pixel centre of each box
    span: torch.Tensor,  # [T, 2] its columns and rows
    values: torch.Tensor,  # [C, N] per-vertex values
    out_values: torch.Tensor,  # [C, H'*W'] written in place where a triangle is nearest so far
    out_disparity: torch.Tensor,  # [H'*W'] the nearest disparity so far, updated in place
    width: int,
) -> None:
    """Every pixel centre inside the triangles, z-buffered against what earlier calls drew."""
    count = span[:, 0] * span[:, 1]
    start = count.cumsum(0) - count  # [T] each triangle's first candidate
    owner = torch.repeat_interleave(torch.arange(count.numel(), device=count.device), count)  # [P]
    offset = torch.arange(owner.numel(), device=count.device) - start.index_select(0, owner)
    columns = span[:, 0].index_select(0, owner)
    corner = first.index_select(0, owner)  # [P, 2] the box's first pixel centre
    x = corner[:, 0] + (offset % columns).to(first.dtype)  # [P] candidate pixel centres
    y = corner[:, 1] + (offset // columns).to(first.dtype)
    plane = planes.index_select(0, owner)  # [P, 9]
    w_b = plane[:, 0] * x + plane[:, 1] * y + plane[:, 2]
    w_c = plane[:, 3] * x + plane[:, 4] * y + plane[:, 5]
    inside = ((w_b >= -1e-6) & (w_c >= -1e-6) & (w_b + w_c <= 1 + 1e-6)).nonzero()[:, 0]
    owner, x, y, w_b, w_c, plane = (t.index_select(0, inside) for t in (owner, x, y, w_b, w_c, plane))
    disparity = plane[:, 6] * x + plane[:, 7] * y + plane[:, 8]  # affine in screen space over a plane
    flat = y.long() * width + x.long()
    out_disparity.scatter_reduce_(0, flat, disparity, reduce="amax")
    wins = (disparity >= out_disparity[flat]).nonzero()[:, 0]
    owner, flat, w_b, w_c = (t.index_select(0, wins) for t in (owner, flat, w_b, w_c))
    perspective = torch.stack([1 - w_b - w_c, w_b, w_c], dim=1) * inverse_z.index_select(0, owner)  # [P', 3]
    corner_values = values.index_select(1, triangles.index_select(0, owner).flatten()).view(values.shape[0], -1, 3)
    out_values[:, flat] = (corner_values * perspective).sum(dim=-1) / perspective.sum(dim=1)


def rasterise_surfaces(
    uv: torch.Tensor,  # [B, N, 2] where each source pixel lands, target pixel coordinates
    depth: torch.Tensor,  # [B, N] its target camera depth
    source_disparity: torch.Tensor,  # [B, N] its disparity in the source view
    values: torch.Tensor,  # [B, C, N] per-vertex values to interpolate
    surface: torch.Tensor,  # [B, N] bool: pixels inside a surface (not on a depth edge)
    source_size: tuple[int, int],  # (H, W) of the source grid, N = H * W
    target_size: tuple[int, int],  # (H', W')
) -> MeshRaster:
    """The source grid's triangles, z-buffered into the target, in the squares ``_magnified_quads``
    picks where their three corners lie within ``MAX_DEPTH_STEP`` of one another as the source
    saw them. Drawn in batches of at most ``CANDIDATE_BUDGET`` candidate pixels (a view that
    dives into a surface has triangles up to ``MAX_EXTENT`` across).

    The depth step is the source's: whether two pixels lie on one surface is a fact of the
    view they were seen from. Measured in the target, the step between two rows of a
    continuous slope grows as the camera nears it (the same depth difference over a smaller
    depth), so a slope flown close lost its squares one by one to the fills: rectangular
    holes across the near ground of a photo's flight, filled as flat blocks."""
    batch, channels, _ = values.shape
    height, width = target_size
    source_height, source_width = source_size
    out_values, out_disparity = [], []
    for b in range(batch):
        out_values.append(values.new_zeros(channels, height * width))
        out_disparity.append(depth.new_zeros(height * width))
        top_left = _magnified_quads(uv[b].view(source_height, source_width, 2),
                                    depth[b].view(source_height, source_width),
                                    surface[b].view(source_height, source_width))
        right, below = top_left + 1, top_left + source_width  # two triangles per square, one diagonal
        triangles = torch.cat([torch.stack([top_left, right, below], dim=1),
                               torch.stack([right, below + 1, below], dim=1)])  # [T, 3] vertex indices
        corner_uv = uv[b].index_select(0, triangles.flatten()).view(-1, 3, 2)  # [T, 3, 2]
        low = torch.minimum(torch.minimum(corner_uv[:, 0], corner_uv[:, 1]), corner_uv[:, 2])  # [T, 2]
        high = torch.maximum(torch.maximum(corner_uv[:, 0], corner_uv[:, 1]), corner_uv[:, 2])
        first = low.ceil().clamp_min(0)  # [T, 2] the first and last pixel centres inside each box
        last = torch.minimum(high.floor(), torch.tensor([width - 1, height - 1], device=uv.device, dtype=uv.dtype))
        span = (last - first + 1).clamp_min(0).long()  # [T, 2]
        kept = (span > 0).all(dim=1).nonzero()[:, 0]  # most triangles of a square 2-3 px across hold no centre
        triangles, corner_uv, first, span = (t.index_select(0, kept) for t in (triangles, corner_uv, first, span))
        inverse_z = 1.0 / depth[b].index_select(0, triangles.flatten()).view(-1, 3)  # [T', 3]
        seen = source_disparity[b].index_select(0, triangles.flatten()).view(-1, 3)  # [T', 3]
        nearest_corner, farthest_corner = seen.amax(dim=1), seen.amin(dim=1)
        planes, proper = _barycentric_planes(corner_uv, inverse_z)  # [T', 9], [T']
        kept = (proper & (farthest_corner * (1 + MAX_DEPTH_STEP) >= nearest_corner)).nonzero()[:, 0]
        triangles, corner_uv, inverse_z, planes, first, span = (
            t.index_select(0, kept) for t in (triangles, corner_uv, inverse_z, planes, first, span))
        total = (span[:, 0] * span[:, 1]).cumsum(0)  # [T'] candidates up to each triangle
        begin = 0
        while begin < kept.numel():
            done = int(total[begin - 1]) if begin else 0
            end = max(begin + 1, int(torch.searchsorted(total, done + CANDIDATE_BUDGET, right=True)))
            part = slice(begin, end)
            _draw(triangles[part], corner_uv[part], inverse_z[part], planes[part], first[part], span[part],
                  values[b], out_values[b], out_disparity[b], width)
            begin = end
    disparity = torch.stack(out_disparity).view(batch, 1, height, width)
    return MeshRaster(torch.stack(out_values).view(batch, channels, height, width), disparity)
