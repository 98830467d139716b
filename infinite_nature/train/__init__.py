"""Training every network from photo collections and procedural worlds, on Lightning."""
