"""One list of run options: ``RunOptions``, the ``%%kepler fit`` flags and ``watch()``'s
keyword arguments agree, and both spellings build the same validated dataclass."""

from __future__ import annotations

import inspect
import shlex

import pytest

from kepler_jupyter.magics import KeplerMagics
from kepler_jupyter.run.options import MAGIC_FLAGS, RunOptions
from kepler_jupyter.run.session import watch

# given by the cell itself, not by a flag
FROM_THE_CELL = {"source", "notebook_path", "cell_id"}


def _magic_flags() -> set[str]:
    parser = KeplerMagics.kepler.parser
    return {option for action in parser._actions for option in action.option_strings
            if option.startswith("--") and option != "--help"}


def test_magic_flags_watch_parameters_and_fields_agree():
    fields = set(RunOptions.field_names())
    assert set(MAGIC_FLAGS) == fields - FROM_THE_CELL
    assert set(MAGIC_FLAGS.values()) == _magic_flags()
    parameters = inspect.signature(watch.__wrapped__).parameters
    assert set(parameters) == fields | {"project_dir"}
    for name in fields:  # same defaults (watch spells the lists as empty tuples)
        default = RunOptions.__dataclass_fields__[name]
        expected = default.default_factory() if callable(default.default_factory) else default.default
        assert RunOptions(**{name: parameters[name].default}) == RunOptions(**{name: expected})


def test_flags_and_watch_arguments_build_the_same_options():
    line = ("fit --name wide --hypothesis 'more units' --tag a --tag b --ignore k104,K3 --force "
            "--on-duplicate skip --save --no-checks --display text")
    parsed = KeplerMagics.kepler.parser.parse_args(shlex.split(line))
    from_flags = RunOptions.from_flags(parsed, {"on_duplicate": "warn", "display": "auto",
                                                "checks": True}, source="cell", notebook_path=None)
    from_watch = RunOptions(name="wide", hypothesis="more units", tags=["a", "b"],
                            ignore=["K104", "k3"], force=True, on_duplicate="skip", save=True,
                            checks=False, display="text", source="cell")
    assert from_flags == from_watch
    assert from_flags.ignore == ["K104", "K3"]


def test_configured_defaults_fill_flags_not_given():
    parsed = KeplerMagics.kepler.parser.parse_args(["fit"])
    options = RunOptions.from_flags(parsed, {"on_duplicate": "skip", "display": "none",
                                             "checks": False})
    assert (options.on_duplicate, options.display, options.checks) == ("skip", "none", False)
    assert RunOptions.from_flags(parsed).on_duplicate == "warn"


@pytest.mark.parametrize("wrong, message", [
    ({"on_duplicate": "maybe"}, "on_duplicate must be one of warn, skip, ask"),
    ({"display": "html"}, "display must be one of auto, widget, text, none"),
])
def test_wrong_values_say_what_is_allowed(wrong, message):
    with pytest.raises(ValueError, match=message):
        RunOptions(**wrong)
