"""Grid and random searches that skip what the journal already holds."""
