"""Correction requests (整改通知): a committee asks a branch to put something right, by a deadline."""
