"""What the journal already knows: re-runs, similar models, the goal, filters."""
