"""YAML: strict reading with marks, deterministic block writing."""
