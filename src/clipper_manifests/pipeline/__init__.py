"""The stages, in order: profile stages (read, schema, type, rules), render, files, object checks,
then the build-wide checks, with profiles built on every core."""
