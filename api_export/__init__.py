"""API snapshots and the read-only server (built by a later issue)."""
