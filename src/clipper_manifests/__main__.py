from clipper_manifests.cli import run

run()
