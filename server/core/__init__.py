"""Cross-cutting pieces every feature uses: the database, the API object, access checks."""
