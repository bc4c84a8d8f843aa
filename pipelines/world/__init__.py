"""The in-memory world the ordered stage reads and changes."""
