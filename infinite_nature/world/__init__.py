"""Procedural nature worlds: training data, ground truth and the built-in example."""

from infinite_nature.world.params import TIMES_OF_DAY, WorldParams
from infinite_nature.world.world import World, WorldView

__all__ = ["TIMES_OF_DAY", "World", "WorldParams", "WorldView"]
