"""Reading and writing image collections (user photos and exported procedural worlds)."""
