"""clipper-manifests: typed environment profiles → validated Kustomize trees for the Clipper platform."""

__version__ = "0.1.0"
