"""What a run happened on: Python, package versions, machine, git state and random seeds.

``capture_environment`` fills the record's ``env`` field once per fit, so it must be cheap:
the parts that cannot change while a process lives (Python, packages, platform, CPU,
hostname) are read once and cached; the git state and the seeds are read on every call.
Package versions come from ``importlib.metadata`` only: asking TensorFlow for its version
would import it, which costs seconds and is never kepler's decision.

Seeds: what can be detected, and how
    ``PYTHONHASHSEED``: the environment variable (None when unset).
    ``keras``: the seed given to ``keras.utils.set_random_seed``, which Keras stores in its
    global state; exact whenever Keras is imported.
    ``tensorflow``: the global seed of ``tf.random.set_seed``, read from TensorFlow's eager
    context without drawing a seed (which would move the user's random sequence);
    ``tensorflow_op_determinism``: whether ``tf.config.experimental.enable_op_determinism``
    was called. Both None when TensorFlow is not imported.
    ``numpy`` / ``python_random``: the legacy global generators keep no record of their seed.
    They are known exactly (1) when ``install_seed_recorder`` was called before the user's
    ``np.random.seed`` / ``random.seed`` call (it wraps both to remember the argument), or
    (2) through ``keras.utils.set_random_seed``, which seeds both; and, for numpy, (3) when
    ``np.random.seed(int)`` was called and nothing was drawn since (the generator's state
    still has the recognisable layout of a freshly seeded Mersenne Twister). Otherwise None:
    unknown, not "unseeded". ``np.random.default_rng(seed)`` generators are local objects and
    cannot be seen; scikit-learn's ``random_state`` is in the estimator parameters instead.
"""

from __future__ import annotations

import copy
import functools
import os
import platform
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from importlib import metadata
from typing import Any

#: distributions whose versions are recorded; several names for one package are tried in order
PACKAGES: dict[str, tuple[str, ...]] = {
    "numpy": ("numpy",),
    "scikit-learn": ("scikit-learn",),
    "tensorflow": (
        "tensorflow",
        "tensorflow-cpu",
        "tensorflow-macos",
        "tensorflow-intel",
        "tf-nightly",
    ),
    "keras": ("keras", "keras-nightly"),
    "pandas": ("pandas",),
    "scipy": ("scipy",),
    "tinydb": ("tinydb",),
    "kepler_jupyter": ("kepler_jupyter", "kepler-jupyter"),
}
GIT_TIMEOUT_S = 2.0

_static: dict[str, Any] | None = None
_gpus: list[dict[str, Any]] | None = None
#: seeds seen by the recorder: {"numpy": value, "python_random": value}
_recorded_seeds: dict[str, Any] = {}
_originals: dict[str, Any] = {}


def capture_environment(framework: str | None = None, cwd: str | None = None,
                        git: bool = True) -> dict[str, Any]:
    """The record's ``env`` field.

    Parameters
    ----------
    framework
        ``"keras"``, ``"sklearn"`` or None; Keras runs also record the Keras backend.
    cwd
        Folder whose git repository is described; the working directory by default.
    git
        Describe the git repository now; ``False`` leaves ``git`` None, for a caller that
        fills it in later (``start_git_state``).

    Returns
    -------
    dict
        ``python`` (version), ``packages`` {name: version or None}, ``platform``, ``cpu``
        {``model``, ``count``, ``available``}, ``hostname``, ``gpus`` [{``name``,
        ``device_type``, ``model``}] (only when TensorFlow is already imported), ``git``
        {``commit``, ``branch``, ``dirty``} or None outside a repository, ``seeds`` (see the
        module docstring) and, for Keras, ``keras_backend``. Never raises.
    """
    env = copy.deepcopy(_static_environment())
    env["gpus"] = _safe(_gpu_devices, [])
    env["git"] = _safe(lambda: git_state(cwd), None) if git else None
    env["seeds"] = _safe(detect_seeds, {})
    if framework == "keras":
        env["keras_backend"] = _safe(_keras_backend, None)
    return env


def git_state(cwd: str | None = None) -> dict[str, Any] | None:
    """Commit, branch and whether tracked files have uncommitted changes; None outside git.

    Untracked files do not count as dirty (as with ``git describe --dirty``): notebooks'
    folders are full of untracked outputs, and listing them is slow in large folders.
    ``--no-optional-locks`` keeps git from taking the index lock, which could otherwise
    make the user's own concurrent git command fail.
    """
    return start_git_state(cwd)()


def start_git_state_on_worker(cwd: str | None = None) -> Callable[[], dict[str, Any] | None]:
    """``start_git_state`` on the after-fit worker's thread (``run.after_fit``); the returned
    function waits for it and for git's answer.

    Starting a process holds the interpreter's lock until the child has started (``vfork``):
    half a millisecond on a quiet machine, ten or more when the cores are busy. A fit starts
    git this way as its training begins, when its own thread mostly runs native code.
    """
    from kepler_jupyter.run import after_fit

    started = threading.Event()
    answers: list[Callable[[], dict[str, Any] | None]] = []

    def spawn() -> None:
        try:
            answers.append(start_git_state(cwd))
        finally:
            started.set()

    after_fit.defer(spawn)

    def answer() -> dict[str, Any] | None:
        if not started.wait(GIT_TIMEOUT_S) or not answers:
            return None
        return answers[0]()

    return answer


def start_git_state(cwd: str | None = None) -> Callable[[], dict[str, Any] | None]:
    """Start ``git status`` (see ``git_state``) and return a function that waits for its answer.

    A fit starts it before training and reads it afterwards (``run.after_fit``): the state is
    the one at the start of the fit, and the user never waits for git (tens of milliseconds
    in a large repository).
    """
    command = ["git", "--no-optional-locks", "status", "--porcelain=v2", "--branch", "-uno"]
    environment = {
        **os.environ,
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
    }
    try:
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True, env=environment)
    except (OSError, subprocess.SubprocessError):  # no git, a hung file system
        return lambda: None

    def answer() -> dict[str, Any] | None:
        try:
            output, _ = process.communicate(timeout=GIT_TIMEOUT_S)
        except (OSError, subprocess.SubprocessError):
            process.kill()
            process.communicate()
            return None
        return _parse_git_status(output) if process.returncode == 0 else None

    return answer


def _parse_git_status(output: str) -> dict[str, Any]:
    state: dict[str, Any] = {"commit": None, "branch": None, "dirty": False}
    for line in output.splitlines():
        if line.startswith("# branch.oid "):
            commit = line.split(" ", 2)[2]
            state["commit"] = None if commit == "(initial)" else commit
        elif line.startswith("# branch.head "):
            branch = line.split(" ", 2)[2]
            state["branch"] = None if branch == "(detached)" else branch
        elif line and not line.startswith("#"):
            state["dirty"] = True
    return state


def detect_seeds() -> dict[str, Any]:
    """The seeds the user set that can be detected (see the module docstring)."""
    keras_seed = _keras_seed()
    seeds: dict[str, Any] = {
        "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED"),
        "keras": keras_seed,
        "tensorflow": None,
        "tensorflow_op_determinism": None,
        "numpy": None,
        "python_random": None,
    }
    if "tensorflow" in sys.modules:
        seeds["tensorflow"] = _safe(_tensorflow_seed, None)
        seeds["tensorflow_op_determinism"] = _safe(_tensorflow_determinism, None)
    # most exact first: a recorded call, the generator's own state, then Keras' seed
    # (set_random_seed seeds numpy and random too, but a later call may have replaced it)
    if "numpy" in _recorded_seeds:
        seeds["numpy"] = _recorded_seeds["numpy"]
    else:
        seeds["numpy"] = _safe(_fresh_numpy_seed, None)
        if seeds["numpy"] is None:
            seeds["numpy"] = keras_seed
    seeds["python_random"] = _recorded_seeds.get("python_random", keras_seed)
    seeds["any_set"] = any(
        value is not None for key, value in seeds.items() if key != "tensorflow_op_determinism"
    )
    return seeds


def install_seed_recorder() -> None:
    """Wrap ``numpy.random.seed`` and ``random.seed`` to remember the seed they are given.

    Call it when kepler is loaded, so seeds set afterwards are known exactly. The wrappers
    call the originals with the same arguments and return their result; idempotent, and
    undone by ``uninstall_seed_recorder``.
    """
    import random

    import numpy

    # modules read and patched by attribute (``seed``), which ModuleType does not declare
    recorded: tuple[tuple[str, Any], ...] = (("numpy", numpy.random), ("python_random", random))
    for key, module in recorded:
        current = module.seed
        if getattr(current, "__kepler_original__", None) is not None:
            continue  # already installed
        _originals[key] = current
        module.seed = _recording_seed(current, key)


def uninstall_seed_recorder() -> None:
    """Restore the original seed functions (only where kepler's wrapper is still in place)."""
    import random

    numpy = sys.modules.get("numpy")
    modules: dict[str, Any] = {"python_random": random, "numpy": getattr(numpy, "random", None)}
    for key, original in list(_originals.items()):
        module = modules.get(key)
        if module is not None and getattr(module.seed, "__kepler_original__", None) is original:
            module.seed = original
        del _originals[key]
    _recorded_seeds.clear()  # calls from now on go unseen: old values would mislead


def _recording_seed(original: Any, key: str) -> Any:
    @functools.wraps(original)
    def seed(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        value = args[0] if args else next(iter(kwargs.values()), None)
        _recorded_seeds[key] = _seed_value(value)
        return result

    seed.__kepler_original__ = original  # type: ignore[attr-defined]
    return seed


def _seed_value(value: Any) -> Any:
    if value is None or isinstance(value, (int, str)):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        text = repr(value)
        return text if len(text) <= 100 else text[:100] + "..."


def _fresh_numpy_seed() -> int | None:
    """The integer given to ``np.random.seed`` when nothing has been drawn since, else None.

    ``np.random.seed(s)`` sets key[0] = s and key[i] = 1812433253 * (key[i-1] ^ (key[i-1] >> 30))
    + i (mod 2**32), with position 624; an entropy-seeded state matches that by chance with
    probability 2**-224 over the eight words checked.
    """
    numpy = sys.modules.get("numpy")
    if numpy is None:
        return None
    name, key, position = numpy.random.get_state(legacy=True)[:3]
    if name != "MT19937" or position != 624:
        return None
    words = [int(word) for word in key[:8]]
    for i in range(1, 8):
        if words[i] != (1812433253 * (words[i - 1] ^ (words[i - 1] >> 30)) + i) & 0xFFFFFFFF:
            return None
    return words[0]


def _keras_seed() -> int | None:
    rng_utils = sys.modules.get("keras.src.utils.rng_utils")
    getter = getattr(rng_utils, "get_random_seed", None)
    return _safe(getter, None) if callable(getter) else None


def _tensorflow_seed() -> int | None:
    from tensorflow.python.eager import context

    return getattr(context.context(), "_seed", None)


def _tensorflow_determinism() -> bool | None:
    from tensorflow.python.framework import config

    return bool(config.is_op_determinism_enabled())


def _keras_backend() -> str | None:
    keras = sys.modules.get("keras")
    return keras.backend.backend() if keras is not None else None


def _static_environment() -> dict[str, Any]:
    global _static
    if _static is None:
        _static = {
            "python": platform.python_version(),
            "packages": {name: _version(candidates) for name, candidates in PACKAGES.items()},
            "platform": _safe(platform.platform, None),
            "cpu": {
                "model": _safe(_cpu_model, None),
                "count": os.cpu_count(),
                "available": _safe(_available_cpus, None),
            },
            "hostname": _safe(socket.gethostname, None),
        }
    return _static


def _version(candidates: tuple[str, ...]) -> str | None:
    for name in candidates:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        except Exception:
            return None
    return None


def _cpu_model() -> str | None:
    if sys.platform.startswith("linux"):
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith(("model name", "Model", "cpu model")):
                    return line.split(":", 1)[1].strip()
    if sys.platform == "darwin":
        completed = subprocess.run(
            ["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True, timeout=2
        )
        if completed.returncode == 0 and completed.stdout.strip():
            return completed.stdout.strip()
    return platform.processor() or None


def _available_cpus() -> int | None:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count()


def _gpu_devices() -> list[dict[str, Any]]:
    """GPUs TensorFlow sees, only when the user's code has imported TensorFlow already."""
    global _gpus
    tensorflow = sys.modules.get("tensorflow")
    if tensorflow is None:
        return []
    if _gpus is None:
        devices = []
        for device in tensorflow.config.list_physical_devices("GPU"):
            entry = {"name": device.name, "device_type": device.device_type, "model": None}
            try:
                details = tensorflow.config.experimental.get_device_details(device)
                entry["model"] = details.get("device_name")
                capability = details.get("compute_capability")
                entry["compute_capability"] = list(capability) if capability else None
            except Exception:
                pass
            devices.append(entry)
        _gpus = devices
    return copy.deepcopy(_gpus)


def _safe(function: Any, default: Any) -> Any:
    try:
        return function()
    except Exception:
        return default
