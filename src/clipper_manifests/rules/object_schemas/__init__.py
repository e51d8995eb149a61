"""Rendered objects against schemas: built-in kinds (kubernetes-validate) and custom resources (CRDs)."""
