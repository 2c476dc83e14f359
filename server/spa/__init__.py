"""Serves the PWA at / beside the API, with a history fallback to the app shell."""
