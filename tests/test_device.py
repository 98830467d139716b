"""The ``--device`` choice and the CPU threads of a process that serves frames (the demo)."""

import os

import pytest
import torch

from infinite_nature.device import resolve_device, threads_beside_a_server
from infinite_nature.errors import UsageError


@pytest.fixture
def restore_threads():
    before = torch.get_num_threads()
    yield before
    torch.set_num_threads(before)


def test_cpu_and_auto_resolve_without_a_gpu():
    assert resolve_device("cpu") == torch.device("cpu")
    if not torch.cuda.is_available():
        assert resolve_device("auto") == torch.device("cpu")
        with pytest.raises(UsageError, match="no CUDA GPU"):
            resolve_device("cuda")
    with pytest.raises(UsageError, match="must be one of"):
        resolve_device("tpu")


CPU = torch.device("cpu")


def test_a_server_leaves_one_core_to_the_page(restore_threads, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})  # a 2-core machine, like CI
    torch.set_num_threads(2)
    assert threads_beside_a_server(0, CPU) == 1 and torch.get_num_threads() == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})  # never fewer than one
    assert threads_beside_a_server(0, CPU) == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)))
    torch.set_num_threads(8)  # torch's own choice (physical cores) is kept where cores are plenty
    assert threads_beside_a_server(0, CPU) == 8


def test_an_explicit_thread_count_is_used_and_a_gpu_server_leaves_them_alone(restore_threads):
    assert threads_beside_a_server(1, CPU) == 1 and torch.get_num_threads() == 1
    torch.set_num_threads(2)
    assert threads_beside_a_server(1, torch.device("cuda")) == 2 and torch.get_num_threads() == 2


def test_a_negative_thread_count_is_a_usage_error_of_the_demo_and_its_benchmark(capsys):
    from infinite_nature.cli import main

    assert main(["bench", "demo", "--threads", "-1", "--device", "cpu"]) == 2
    assert "--threads >= 0" in capsys.readouterr().err
    assert main(["demo", "--no-browser", "--threads", "-1"]) == 2
    assert "--threads must be >= 0" in capsys.readouterr().err
