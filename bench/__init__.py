"""Benchmarks: `make bench`. Every figure is measured against a baseline run in the same process
and reported as a ratio, because machines here are shared and noisy."""
