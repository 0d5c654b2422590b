"""The DJ: what it says between tracks, and the voice that says it."""
