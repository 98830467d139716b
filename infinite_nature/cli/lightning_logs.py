"""Lightning's start-up chatter, kept off a command's output unless ``--debug`` asks for it."""

from __future__ import annotations

import logging

# Lightning sets these to INFO when it is imported, so this runs after the import. A DDP start
# logs each process's rank and a banner through both, and each record showed twice.
LIGHTNING_LOGGERS = ("lightning.pytorch", "lightning.fabric")


def quiet_lightning_logs() -> None:
    """Only Lightning's warnings and errors reach the terminal."""
    for name in LIGHTNING_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
