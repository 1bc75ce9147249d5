"""Parameter spaces: lists for grids, Optuna distributions for everything else.

>>> from kepler_jupyter.search.space import loguniform, choice
>>> space = {"learning_rate": loguniform(1e-4, 1e-1), "units": [32, 64, 128]}

A space whose values are all lists is a grid: every combination is a point, in the order the
names were given; a grid needs nothing but kepler itself. Any other value is an Optuna
distribution (``optuna.distributions.FloatDistribution``, ``IntDistribution``,
``CategoricalDistribution``), which needs the ``[search]`` extra (``pip install
'kepler_jupyter[search]'``). ``loguniform``, ``uniform``, ``randint`` and ``choice`` are thin
aliases that return Optuna distributions, kept because earlier notebooks use them.

Random search draws ``n_iter`` distinct points with Optuna's ``RandomSampler`` seeded with
``seed``, so the same call draws the same points after a kernel restart and the journal can skip
those done. Model-based strategies (``"tpe"``, ``"cmaes"``, ...) see every value as an Optuna
distribution: a list becomes a categorical distribution over its values.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np

INSTALL_HINT = "pip install 'kepler_jupyter[search]'"


class SpaceError(ValueError):
    """A parameter space that cannot be searched (empty, wrong kinds of values)."""


def _distributions_module() -> Any:
    try:
        import optuna.distributions
    except ImportError:
        raise SpaceError(f"Distributions and model-based searches need Optuna: {INSTALL_HINT} "
                         "(a space of plain lists works without it).") from None
    return optuna.distributions


def loguniform(low: float, high: float) -> Any:
    """Uniform in log space on ``[low, high]`` (learning rates, regularisation strengths)."""
    if not 0 < low < high:
        raise SpaceError(f"loguniform needs 0 < low < high, got ({low}, {high}).")
    return _distributions_module().FloatDistribution(float(low), float(high), log=True)


def uniform(low: float, high: float) -> Any:
    """Uniform on ``[low, high]`` (dropout rates, momentum)."""
    if not low < high:
        raise SpaceError(f"uniform needs low < high, got ({low}, {high}).")
    return _distributions_module().FloatDistribution(float(low), float(high))


def randint(low: int, high: int) -> Any:
    """A whole number in ``[low, high)``: ``high`` excluded, as in numpy and scipy."""
    if not low < high:
        raise SpaceError(f"randint needs low < high, got ({low}, {high}).")
    return _distributions_module().IntDistribution(int(low), int(high) - 1)


def choice(options: Any) -> Any:
    """One of ``options``, each equally likely."""
    options = tuple(plain(option) for option in options)
    if not options:
        raise SpaceError("choice needs at least one option.")
    return _distributions_module().CategoricalDistribution(options)


def plain(value: Any) -> Any:
    """numpy scalars as Python ones, so points are plain JSON like the journal."""
    return value.item() if isinstance(value, np.generic) else value


def is_distribution(value: Any) -> bool:
    """Whether ``value`` is an Optuna distribution (without importing Optuna)."""
    return any(cls.__module__.startswith("optuna.distributions") and cls.__name__ == "BaseDistribution"
               for cls in type(value).__mro__)


def validate_space(space: Mapping[str, Any]) -> dict[str, Any]:
    """The space as a dict of lists and distributions; ``SpaceError`` if it is not one."""
    if not isinstance(space, Mapping) or not space:
        raise SpaceError("The space must be a non-empty dict of parameter names to lists or "
                         "distributions, e.g. {'C': [0.1, 1, 10]}.")
    checked: dict[str, Any] = {}
    for name, values in space.items():
        if is_distribution(values):
            checked[str(name)] = values
        elif isinstance(values, (list, tuple, range, np.ndarray)):
            if len(values) == 0:
                raise SpaceError(f"The space gives no values for {name!r}.")
            checked[str(name)] = [plain(value) for value in values]
        elif hasattr(values, "rvs"):
            raise SpaceError(f"{name!r} is a scipy distribution; searches use Optuna's: write "
                             "loguniform(low, high), uniform, randint or choice from "
                             "kepler_jupyter.search.space, or an optuna.distributions object.")
        else:
            raise SpaceError(f"The values of {name!r} must be a list or a distribution "
                             f"(loguniform, uniform, randint, choice), not {type(values).__name__}; "
                             f"write [{values!r}] for a single value.")
    return checked


def is_grid(space: Mapping[str, Any]) -> bool:
    """Whether every value of a validated space is a list."""
    return all(isinstance(values, list) for values in space.values())


def to_distributions(space: Mapping[str, Any]) -> dict[str, Any]:
    """Every value as an Optuna distribution: lists become categorical ones."""
    module = _distributions_module()
    distributions = {}
    for name, values in validate_space(space).items():
        if isinstance(values, list):
            if any(value is not None and not isinstance(value, (bool, int, float, str)) for value in values):
                raise SpaceError(f"The values of {name!r} must be numbers, strings, booleans or "
                                 "None for a model-based search.")
            values = module.CategoricalDistribution(values)
        distributions[name] = values
    return distributions


def point_key(point: Mapping[str, Any]) -> str:
    """A point's identity: the same parameter values give the same key."""
    return repr(sorted((name, plain(value)) for name, value in point.items()))


def grid_points(space: Mapping[str, Any], n_iter: int | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """The points of a grid or a random search, as dicts of parameter values.

    Parameters
    ----------
    space : dict
        Parameter names to lists (grid) or distributions (random search).
    n_iter : int, optional
        Draw this many distinct points at random; required when a value is a distribution.
        For an all-list space, ``n_iter`` at least the grid's size gives the whole grid.
    seed : int
        Seed of the random draws: the same seed gives the same points.
    """
    space = validate_space(space)
    names = list(space)
    if n_iter is None:
        if not is_grid(space):
            raise SpaceError("A space with distributions is searched at random: give n_iter.")
        return [dict(zip(names, combination, strict=True)) for combination in itertools.product(*space.values())]
    if n_iter < 1:
        raise SpaceError(f"n_iter must be at least 1, got {n_iter}.")
    if is_grid(space):
        every = [dict(zip(names, combination, strict=True)) for combination in itertools.product(*space.values())]
        if n_iter >= len(every):
            return every
        chosen = sorted(np.random.default_rng(seed).choice(len(every), size=n_iter, replace=False))
        return [every[int(index)] for index in chosen]
    return _random_points(to_distributions(space), n_iter, seed)


def _random_points(distributions: dict[str, Any], n_iter: int, seed: int) -> list[dict[str, Any]]:
    """``n_iter`` distinct points from Optuna's seeded ``RandomSampler``."""
    import optuna

    sampler = optuna.samplers.RandomSampler(seed=seed)
    # A scratch study only hands the sampler its trials; nothing is stored or logged.
    study = optuna.create_study(sampler=sampler)
    points: list[dict[str, Any]] = []
    seen: set[str] = set()
    # Integer and categorical dimensions can repeat a point; a bounded number of draws keeps a
    # small space from looping forever.
    for _ in range(n_iter * 20):
        trial = study.ask(fixed_distributions=distributions)
        point = {name: plain(trial.params[name]) for name in distributions}
        key = point_key(point)
        if key not in seen:
            seen.add(key)
            points.append(point)
            if len(points) == n_iter:
                break
    return points
