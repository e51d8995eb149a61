"""Secret material in files: the scanner and its findings over a build."""
