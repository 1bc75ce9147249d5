"""A fit's arguments by name: the one reader of how a fit was called.

kepler binds the arguments of an intercepted fit to the fit's own signature once
(``named_fit_arguments``); the record, the adapters and the checks all read that dict.
"""

from __future__ import annotations

import inspect
from typing import Any

#: the arguments that carry the training data rather than settings (Keras ``x``, sklearn ``X``)
DATA_ARGUMENTS = ("x", "y", "X")


def named_fit_arguments(bound: inspect.BoundArguments) -> dict[str, Any]:
    """The fit's arguments by name, as the fit's own signature bound them.

    ``bound`` is ``inspect.signature(fit).bind(model, *args, **kwargs)``: ``self`` is left
    out, ``**kwargs`` are merged in, and extra positional arguments are kept as ``"*args"``.
    """
    named: dict[str, Any] = {}
    for index, (name, value) in enumerate(bound.arguments.items()):
        if index == 0:
            continue  # self
        parameter = bound.signature.parameters[name]
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            named.update(value)
        elif parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            named["*args"] = value
        else:
            named[name] = value
    return named


def fit_settings(named: dict[str, Any]) -> dict[str, Any]:
    """The named arguments without the training data: the settings checks judge."""
    return {name: value for name, value in named.items() if name not in DATA_ARGUMENTS}
