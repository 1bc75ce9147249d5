"""``%kepler grid BUILD_FN --space SPACE --data X y [...]``: ``kepler_jupyter.grid`` as a magic.

Names (the build function, the data, a space or fit arguments held in a variable) are looked
up in the notebook's namespace. ``--space`` is JSON or the name of a dict; in JSON,
distributions are written ``{"loguniform": [1e-4, 1e-1]}``, ``{"uniform": [0, 0.5]}``,
``{"randint": [1, 4]}`` or ``{"choice": ["adam", "sgd"]}``::

    %kepler grid make_model --space '{"units": [32, 64], "lr": {"loguniform": [1e-4, 1e-2]}}' --data X_train y_train --n-iter 6 --fit '{"epochs": 5, "verbose": 0}'
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from kepler_jupyter.commands import CommandEnv, CommandError, command_parser, parse_arguments

_DISTRIBUTIONS = ("loguniform", "uniform", "randint", "choice")


def _parser() -> argparse.ArgumentParser:
    parser = command_parser("grid", "Grid or random search that skips points already in the journal.")
    parser.add_argument("build", help="Name of the function that builds a model from parameters.")
    parser.add_argument("--space", required=True, help="The parameter space: JSON, or a variable's name.")
    parser.add_argument("--data", nargs="+", required=True, metavar="NAME",
                        help="Names of the training data: X and y (or X alone).")
    parser.add_argument("--validation", nargs=2, metavar="NAME",
                        help="Names of validation data X_val y_val (Keras: validation_data; "
                        "scikit-learn: scored after each fit).")
    parser.add_argument("--fit", help="Other fit arguments for every point: JSON, or a variable's name.")
    parser.add_argument("--n-iter", type=int, help="How many points (model-based: in all, those "
                        "already in the journal included).")
    parser.add_argument("--strategy", help="grid, random, or a model-based Optuna sampler: tpe, cmaes, "
                        "qmc, gp, nsga2 (default: grid, or random with --n-iter).")
    parser.add_argument("--seed", type=int, default=0, help="Seed of random draws and samplers (default 0).")
    parser.add_argument("--name", help="Name of the search (default: the build function's name).")
    parser.add_argument("--tag", action="append", default=[], help="A tag for every point; repeatable.")
    parser.add_argument("--backend", choices=["local", "dask"], default="local",
                        help="Run points here (local) or on a Dask cluster (dask).")
    parser.add_argument("--scheduler", help="With --backend dask: the scheduler address, or the "
                        "name of a distributed.Client variable.")
    return parser


def _lookup(env: CommandEnv, name: str, what: str) -> Any:
    namespace = getattr(env.shell, "user_ns", None) or {}
    if name not in namespace:
        raise CommandError(f"No variable {name!r} in the notebook for {what}.")
    return namespace[name]


def _distribution(spec: dict[str, Any], name: str) -> Any:
    from kepler_jupyter.search import space as grid_space

    if len(spec) != 1 or next(iter(spec)) not in _DISTRIBUTIONS:
        raise CommandError(f"The space of {name!r} must be a list or one of "
                           f"{', '.join(_DISTRIBUTIONS)} (e.g. {{\"loguniform\": [1e-4, 0.1]}}).")
    kind, arguments = next(iter(spec.items()))
    if kind == "choice":
        return grid_space.choice(arguments)
    if not isinstance(arguments, list) or len(arguments) != 2:
        raise CommandError(f"{kind} of {name!r} needs two numbers: [low, high].")
    try:
        return getattr(grid_space, kind)(*arguments)
    except (grid_space.SpaceError, TypeError) as error:
        raise CommandError(str(error)) from None


def read_space(text: str, env: CommandEnv) -> dict[str, Any]:
    """The space from ``--space``: a variable holding a dict, or JSON with distributions."""
    if text.isidentifier():
        space = _lookup(env, text, "--space")
        if not isinstance(space, dict):
            raise CommandError(f"{text!r} is a {type(space).__name__}, not a dict of parameters.")
        return space
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(f"--space is not valid JSON ({error.msg} at character {error.pos}); "
                           "quote it with single quotes: --space '{\"C\": [0.1, 1]}'.") from None
    if not isinstance(raw, dict):
        raise CommandError("--space must be a JSON object: {\"name\": [values], ...}.")
    return {name: _distribution(value, name) if isinstance(value, dict) else value
            for name, value in raw.items()}


def _read_fit(text: str | None, env: CommandEnv) -> dict[str, Any]:
    if not text:
        return {}
    if text.isidentifier():
        value = _lookup(env, text, "--fit")
    else:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(f"--fit is not valid JSON ({error.msg}).") from None
    if not isinstance(value, dict):
        raise CommandError("--fit must be a dict of fit arguments, e.g. '{\"epochs\": 5}'.")
    return value


def run(argv: list[str], env: CommandEnv) -> Any:
    """Run the search; returns its ``GridResult``."""
    from kepler_jupyter.search.grid import GridError, grid

    args = parse_arguments(_parser(), argv)
    build = _lookup(env, args.build, "the build function")
    if not callable(build):
        raise CommandError(f"{args.build!r} is not a function.")
    if len(args.data) > 2:
        raise CommandError("--data takes the names of X and y (or X alone).")
    X = _lookup(env, args.data[0], "X")
    y = _lookup(env, args.data[1], "y") if len(args.data) == 2 else None
    validation = None
    if args.validation:
        validation = tuple(_lookup(env, name, "--validation") for name in args.validation)
    client = None
    if args.backend == "dask":
        if not args.scheduler:
            raise CommandError("--backend dask needs --scheduler ADDRESS (or a Client variable's name).")
        namespace = getattr(env.shell, "user_ns", None) or {}
        client = namespace[args.scheduler] if args.scheduler in namespace else args.scheduler
    try:
        return grid(build, read_space(args.space, env), X, y, fit_kwargs=_read_fit(args.fit, env),
                    validation_data=validation, n_iter=args.n_iter, strategy=args.strategy, backend=args.backend, client=client, name=args.name,
                    tags=args.tag, project_dir=env.journal.project_dir, seed=args.seed,
                    display=env.display_mode)
    except GridError as error:
        raise CommandError(str(error)) from None
