"""Load and unload kepler in an IPython shell: exactly reversible and safe to repeat."""

from __future__ import annotations

from typing import Any


def _registered(ipython: Any) -> Any:
    from kepler_jupyter.magics import KeplerMagics

    return ipython.magics_manager.registry.get(KeplerMagics.__name__)


def load(ipython: Any) -> None:
    """Register the ``%kepler`` / ``%%kepler`` magics (once, however often it is called)."""
    if _registered(ipython) is not None:
        return
    from kepler_jupyter.magics import KeplerMagics

    magics = KeplerMagics(shell=ipython, config=ipython.config)
    ipython.register_magics(magics)
    # listed as a configurable so that %config KeplerMagics shows and sets its traitlets
    if magics not in ipython.configurables:
        ipython.configurables.append(magics)
    # notes numpy / random seeds the user sets, so experiments can record them
    from kepler_jupyter.run.environment import install_seed_recorder

    install_seed_recorder()


def unload(ipython: Any) -> None:
    """Remove everything ``load`` registered, leaving the shell as it was."""
    magics = _registered(ipython)
    if magics is None:
        return
    manager = ipython.magics_manager
    for kind, table in magics.magics.items():
        for name in table:
            manager.magics[kind].pop(name, None)
    manager.registry.pop(type(magics).__name__, None)
    while magics in ipython.configurables:
        ipython.configurables.remove(magics)
    # a %%kepler cell always restores fit on exit; this is a last guard for odd exits
    from kepler_jupyter.run import intercept
    from kepler_jupyter.run.environment import uninstall_seed_recorder

    intercept.reset()
    uninstall_seed_recorder()
