"""Flythrough generation: the render-refine-repeat loop, its inputs and its outputs."""
