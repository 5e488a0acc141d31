"""Benchmarks built from evaluation data at run time (see bench/README.md)."""
