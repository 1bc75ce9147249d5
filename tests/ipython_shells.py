"""Helpers for the real IPython shells the tests create (importable by any test module)."""

from __future__ import annotations

import atexit


def discard_shell(ip) -> None:
    """Forget a test shell for good. Each shell registers an exit hook that runs a full garbage
    collection; hundreds of them at the end of the suite cost a minute or more."""
    from IPython.core.interactiveshell import InteractiveShell

    atexit.unregister(ip.atexit_operations)
    ip.history_manager.end_session()
    InteractiveShell.clear_instance()


def run_cell(shell, source: str):
    """Run a cell as a notebook would, but let its errors fail the test; return its value."""
    result = shell.run_cell(source)
    if result.error_before_exec is not None:
        raise result.error_before_exec
    if result.error_in_exec is not None:
        raise result.error_in_exec
    return result.result
