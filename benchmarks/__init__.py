"""Benchmarks: scripts that time the toolkit on real data and print a table (see docs/benchmarks.md)."""
