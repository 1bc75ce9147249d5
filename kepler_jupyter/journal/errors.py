"""What the journal raises and warns: a clear message, never a traceback from deep inside."""

from __future__ import annotations

from kepler_jupyter.warnings import KeplerWarning


class JournalError(Exception):
    """A journal operation failed; the message says what happened and what to do."""


class JournalDamageWarning(KeplerWarning):
    """Some lines of the journal file could not be read; every other record was kept."""
