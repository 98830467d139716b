"""Leaving the process group: multi-process commands destroy the group they joined before exit."""

import torch.distributed as dist

from infinite_nature.process_group import leave_process_group


def test_the_joined_group_is_destroyed_and_leaving_twice_is_harmless(tmp_path):
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    assert dist.is_initialized()
    leave_process_group()
    assert not dist.is_initialized()
    leave_process_group()  # no group: nothing to do, no error
    assert not dist.is_initialized()
