"""The run of one fit: interception, stages, context, events log, the watch session."""
