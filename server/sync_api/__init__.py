"""The /api/v1/sync endpoints: a thin layer over the pure protocol in the top-level `sync` package."""
