"""Profile rules: checks of the typed profile, before anything renders."""
