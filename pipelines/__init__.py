"""ECF payments pipeline: ingest, timeline, apply, calculate, render and publish."""

__version__ = "0.1.0"
