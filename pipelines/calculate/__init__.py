"""calculate stage."""
