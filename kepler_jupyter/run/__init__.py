"""The run of one fit: interception, stages, context, lifecycle and its observers, events log, the watch session."""
