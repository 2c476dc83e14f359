"""X: featured systems by sector (特色制度) — templates as data files a branch adopts or drops."""
