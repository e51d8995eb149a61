"""Templates to objects: the Jinja engine (with its private value-slot fast path) and the Kustomize model."""
