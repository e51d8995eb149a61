"""Policy rules: checks of the rendered objects of one profile."""
