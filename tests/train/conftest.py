import pytest

from infinite_nature.world.export import export_worlds


@pytest.fixture(scope="session")
def tiny_worlds(tmp_path_factory):
    """Six exported world views at 48x48 (exact depth, sky, cameras)."""
    folder = tmp_path_factory.mktemp("worlds")
    export_worlds(folder, count=6, height=48, width=48, start_seed=200, progress=False)
    return folder
