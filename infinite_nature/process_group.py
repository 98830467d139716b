"""Leaving the torch.distributed process group a multi-process command (``--devices N``) joined.

Gloo, the CPU backend, runs worker threads that the interpreter's exit destroys while they are
still attached to the group: the process then aborts ("terminate called without an active
exception", exit status -6) after its work is done, and the user sees a crash instead of the
command's own exit code. Lightning destroys NCCL groups at exit, not Gloo ones, so the commands
leave the group themselves once they are past their last collective.
"""

from __future__ import annotations


def leave_process_group() -> None:
    """Destroy the default process group, if this process joined one (a no-op otherwise)."""
    import torch.distributed  # here, so that building the command line's parsers stays free of torch

    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
