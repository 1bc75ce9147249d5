"""What the user sees: the reporter, widgets with text fallbacks, pure charts."""
