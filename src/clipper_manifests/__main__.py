from clipper_manifests.cli import main

main()
