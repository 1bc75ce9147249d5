"""Parameter spaces: grids, random draws that repeat with the seed, and parameter routing."""

from __future__ import annotations

import pytest

from kepler_jupyter.search.backends import GridError, split_parameters
from kepler_jupyter.search.space import (
    SpaceError,
    choice,
    grid_points,
    loguniform,
    randint,
    uniform,
)


def test_a_grid_is_every_combination_in_order():
    points = grid_points({"C": [0.1, 1], "penalty": ["l1", "l2"]})
    assert points == [{"C": 0.1, "penalty": "l1"}, {"C": 0.1, "penalty": "l2"},
                      {"C": 1, "penalty": "l1"}, {"C": 1, "penalty": "l2"}]


def test_random_search_is_repeatable_with_its_seed_and_within_bounds():
    space = {"lr": loguniform(1e-4, 1e-1), "dropout": uniform(0.0, 0.5), "layers": randint(1, 4),
             "optimizer": choice(["adam", "sgd"]), "units": [32, 64]}
    first = grid_points(space, n_iter=12, seed=3)
    assert first == grid_points(space, n_iter=12, seed=3)
    assert first != grid_points(space, n_iter=12, seed=4)
    assert len(first) == 12 and len({repr(sorted(p.items())) for p in first}) == 12
    for point in first:
        assert 1e-4 <= point["lr"] <= 1e-1 and 0 <= point["dropout"] <= 0.5
        assert point["layers"] in (1, 2, 3) and point["optimizer"] in ("adam", "sgd")
        assert type(point["lr"]) is float and type(point["layers"]) is int  # plain JSON values
    # log-uniform: about as many draws per decade
    draws = [p["lr"] for p in grid_points({"lr": loguniform(1e-4, 1e-1)}, n_iter=300, seed=0)]
    per_decade = [sum(10 ** -(k + 1) < d <= 10 ** -k for d in draws) for k in (1, 2, 3)]
    assert min(per_decade) > 60


def test_sampling_a_list_grid_takes_distinct_points():
    points = grid_points({"a": [1, 2, 3], "b": [1, 2]}, n_iter=4, seed=0)
    assert len(points) == 4 and len({(p["a"], p["b"]) for p in points}) == 4
    assert len(grid_points({"a": [1, 2]}, n_iter=10)) == 2


def test_distributions_are_optunas_and_scipy_ones_get_a_clear_message():
    import optuna
    from scipy import stats

    assert loguniform(1e-3, 1.0) == optuna.distributions.FloatDistribution(1e-3, 1.0, log=True)
    assert randint(1, 4) == optuna.distributions.IntDistribution(1, 3)  # high excluded
    points = grid_points({"alpha": optuna.distributions.FloatDistribution(0.1, 0.2)}, n_iter=5, seed=1)
    assert len(points) == 5 and all(0.1 <= p["alpha"] <= 0.2 for p in points)
    with pytest.raises(SpaceError, match="scipy distribution.*loguniform"):
        grid_points({"alpha": stats.loguniform(1e-3, 1.0)}, n_iter=5, seed=1)


def test_without_optuna_a_grid_works_and_a_distribution_says_what_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "optuna", None)
    monkeypatch.setitem(sys.modules, "optuna.distributions", None)
    assert len(grid_points({"C": [1, 2], "k": ["a", "b"]}, n_iter=3)) == 3
    with pytest.raises(SpaceError, match=r"pip install 'kepler_jupyter\[search\]'"):
        loguniform(1e-3, 1.0)


@pytest.mark.parametrize(("space", "n_iter", "message"), [
    ({}, None, "non-empty"),
    ({"C": []}, None, "no values"),
    ({"C": 0.1}, None, "write \\[0.1\\]"),
    ({"lr": loguniform(1e-4, 1e-1)}, None, "give n_iter"),
    ({"C": [1]}, 0, "at least 1"),
])
def test_bad_spaces_are_refused(space, n_iter, message):
    with pytest.raises(SpaceError, match=message):
        grid_points(space, n_iter)


def test_distribution_bounds_are_checked():
    with pytest.raises(SpaceError):
        loguniform(0, 1)
    with pytest.raises(SpaceError):
        randint(3, 3)


def test_parameters_go_to_build_or_fit():
    def build(units, activation="relu"):
        return None

    build_params, fit_params = split_parameters(build, {"units": 8, "epochs": 3, "fit__batch_size": 16})
    assert build_params == {"units": 8} and fit_params == {"epochs": 3, "batch_size": 16}

    def build_with_epochs(units, epochs):
        return None

    assert split_parameters(build_with_epochs, {"units": 8, "epochs": 3}) == ({"units": 8, "epochs": 3}, {})

    def build_any(**params):
        return None

    assert split_parameters(build_any, {"depth": 2, "epochs": 4}) == ({"depth": 2}, {"epochs": 4})
    with pytest.raises(GridError, match="takes no parameter 'depth'.*fit__depth"):
        split_parameters(build, {"depth": 2})
