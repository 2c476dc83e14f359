"""Shared test vectors (JSON) for the Python and JavaScript implementations.

Regenerate with `python -m sync.vectors.generate`; never edit the JSON by hand.
"""
