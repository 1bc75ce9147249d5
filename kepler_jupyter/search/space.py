"""Parameter spaces for ``kepler_jupyter.grid``: lists for grids, distributions for random search.

>>> from kepler_jupyter.search.space import loguniform, choice
>>> space = {"learning_rate": loguniform(1e-4, 1e-1), "units": [32, 64, 128]}

A space whose values are all lists is a grid: every combination is a point, in the order the
names were given. With ``n_iter`` (required as soon as one value is a distribution) it is a
random search: ``n_iter`` distinct points drawn from a generator seeded with ``seed``, so the
same call draws the same points after a kernel restart and the journal can skip those done.
scipy.stats distributions (anything with ``rvs``) are accepted as well.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


class SpaceError(ValueError):
    """A parameter space that cannot be searched (empty, wrong kinds of values)."""


class Distribution:
    """Base class of the distributions random search draws from."""

    def sample(self, rng: np.random.Generator) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class loguniform(Distribution):  # noqa: N801 - named like scipy.stats.loguniform
    """Uniform in log space on ``[low, high]``: learning rates, regularisation strengths."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not 0 < self.low < self.high:
            raise SpaceError(f"loguniform needs 0 < low < high, got ({self.low}, {self.high}).")

    def sample(self, rng: np.random.Generator) -> float:
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))


@dataclass(frozen=True)
class uniform(Distribution):  # noqa: N801
    """Uniform on ``[low, high]``: dropout rates, momentum."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise SpaceError(f"uniform needs low < high, got ({self.low}, {self.high}).")

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))


@dataclass(frozen=True)
class randint(Distribution):  # noqa: N801
    """A whole number in ``[low, high)`` (``high`` excluded, as in numpy and scipy)."""

    low: int
    high: int

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise SpaceError(f"randint needs low < high, got ({self.low}, {self.high}).")

    def sample(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.low, self.high))


@dataclass(frozen=True)
class choice(Distribution):  # noqa: N801
    """One of ``options``, each equally likely."""

    options: tuple[Any, ...]

    def __init__(self, options: Any) -> None:
        options = tuple(options)
        if not options:
            raise SpaceError("choice needs at least one option.")
        object.__setattr__(self, "options", options)

    def sample(self, rng: np.random.Generator) -> Any:
        return self.options[int(rng.integers(len(self.options)))]


def plain(value: Any) -> Any:
    """numpy scalars as Python ones, so points are plain JSON like the journal."""
    return value.item() if isinstance(value, np.generic) else value


def _is_distribution(value: Any) -> bool:
    return isinstance(value, Distribution) or hasattr(value, "rvs")


def _draw(value: Any, rng: np.random.Generator) -> Any:
    if isinstance(value, Distribution):
        return plain(value.sample(rng))
    if hasattr(value, "rvs"):
        return plain(value.rvs(random_state=rng))
    return plain(value[int(rng.integers(len(value)))])


def validate_space(space: Mapping[str, Any]) -> dict[str, Any]:
    """The space as a dict of lists and distributions; ``SpaceError`` if it is not one."""
    if not isinstance(space, Mapping) or not space:
        raise SpaceError("The space must be a non-empty dict of parameter names to lists or "
                         "distributions, e.g. {'C': [0.1, 1, 10]}.")
    checked: dict[str, Any] = {}
    for name, values in space.items():
        if _is_distribution(values):
            checked[str(name)] = values
        elif isinstance(values, (list, tuple, range, np.ndarray)):
            if len(values) == 0:
                raise SpaceError(f"The space gives no values for {name!r}.")
            checked[str(name)] = [plain(value) for value in values]
        else:
            raise SpaceError(f"The values of {name!r} must be a list or a distribution "
                             f"(loguniform, uniform, randint, choice), not {type(values).__name__}; "
                             f"write [{values!r}] for a single value.")
    return checked


def grid_points(space: Mapping[str, Any], n_iter: int | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """The points to try, as dicts of parameter values.

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
    all_lists = not any(_is_distribution(values) for values in space.values())
    if n_iter is None:
        if not all_lists:
            raise SpaceError("A space with distributions is searched at random: give n_iter.")
        return [dict(zip(names, combination, strict=True)) for combination in itertools.product(*space.values())]
    if n_iter < 1:
        raise SpaceError(f"n_iter must be at least 1, got {n_iter}.")
    rng = np.random.default_rng(seed)
    if all_lists:
        every = [dict(zip(names, combination, strict=True)) for combination in itertools.product(*space.values())]
        if n_iter >= len(every):
            return every
        chosen = sorted(rng.choice(len(every), size=n_iter, replace=False))
        return [every[int(index)] for index in chosen]
    points: list[dict[str, Any]] = []
    seen: set[str] = set()
    # Integer and choice dimensions can repeat a point; a bounded number of draws keeps a
    # small space from looping forever.
    for _ in range(n_iter * 20):
        point = {name: _draw(values, rng) for name, values in space.items()}
        key = repr(sorted(point.items()))
        if key not in seen:
            seen.add(key)
            points.append(point)
            if len(points) == n_iter:
                break
    return points
