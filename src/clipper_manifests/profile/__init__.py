"""The profile: read its files, merge them, check them against the schema, type them."""
