import pytest

from infinite_nature.world.export import export_worlds


@pytest.fixture(scope="session")
def tiny_worlds(tmp_path_factory):
    """Six exported world views at 48x48 (exact depth, sky, cameras)."""
    folder = tmp_path_factory.mktemp("worlds")
    export_worlds(folder, count=6, height=48, width=48, start_seed=200, progress=False)
    return folder


@pytest.fixture(scope="session")
def tiny_paths(tmp_path_factory):
    """Three start views at 48x64, each with the true views 1 and 2 steps (4 m) along its path."""
    folder = tmp_path_factory.mktemp("paths")
    export_worlds(folder, count=3, height=48, width=64, start_seed=300, progress=False, path_steps=2, step_length=4.0)
    return folder
