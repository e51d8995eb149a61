"""One module per command: what it does, given its typed options (cli.py only parses them)."""
