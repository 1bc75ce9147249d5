"""The project configuration: ``[tool.kepler]`` in ``pyproject.toml`` and ``.kepler/config.toml``.

Both files are optional. ``.kepler/config.toml`` wins over ``pyproject.toml`` key by key (tables
merge, other values replace), so a team can share defaults in ``pyproject.toml`` and a person
can override them in the project's ``.kepler/`` folder. Keys kepler reads itself:

``select``
    codes or prefixes of the checks to run (``["K3", "K101"]``); all checks when absent.
``ignore``
    codes or prefixes never to run or report (``["K104"]``).
``thresholds``
    a table per code overriding a check's defaults: ``[thresholds.K303] max_fraction = 0.05``.

Other tables (``[goal]``…) belong to the features that use them and are passed through as read.
A malformed file never raises: it gives a one-line warning and is treated as absent.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from kepler_jupyter.warnings import KeplerWarning

if sys.version_info >= (3, 11):
    from tomllib import loads as _loads_toml
else:  # pragma: no cover - Python 3.10: tomlkit reads TOML too
    import tomlkit as _tomlkit

    def _loads_toml(text: str) -> dict[str, Any]:
        return _tomlkit.parse(text).unwrap()

CONFIG_FILE = Path(".kepler") / "config.toml"
PYPROJECT_FILE = "pyproject.toml"


class ConfigError(ValueError):
    """The configuration cannot be written (an unreadable file kepler must not overwrite)."""


def find_project_dir(start: str | os.PathLike[str] | None = None) -> Path:
    """The project folder: ``KEPLER_PROJECT_DIR``, else the nearest folder up with ``.kepler/``.

    Falls back to ``start`` (the working directory by default) when no parent has ``.kepler/``.
    """
    env = os.environ.get("KEPLER_PROJECT_DIR")
    if env:
        return Path(env).expanduser().resolve()
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".kepler").is_dir():
            return folder
    return here


def load_project_config(project_dir: str | os.PathLike[str] | None) -> dict[str, Any]:
    """The merged configuration of the project in ``project_dir`` (``{}`` when it has none).

    Parameters
    ----------
    project_dir : path or None
        The project folder; ``None`` gives an empty configuration.

    Returns
    -------
    dict
        ``select`` and ``ignore`` as lists of upper-case strings (when set), ``thresholds`` as a
        table of tables, and every other table as written.
    """
    if project_dir is None:
        return {}
    project = Path(project_dir)
    pyproject = _read_toml(project / PYPROJECT_FILE)
    shared = (pyproject.get("tool") or {}).get("kepler") or {}
    if not isinstance(shared, dict):
        _warn(project / PYPROJECT_FILE, "[tool.kepler] is not a table")
        shared = {}
    local = _read_toml(project / CONFIG_FILE)
    return _validated(_deep_merge(shared, local), project)


def set_project_value(project_dir: str | os.PathLike[str], key_path: list[str], value: Any) -> None:
    """Set ``key_path`` to ``value`` in ``<project>/.kepler/config.toml``, keeping the rest.

    Comments and layout of the existing file are kept (the file is edited with ``tomlkit``) and
    the new file replaces the old one atomically, so a crash never leaves half a file.

    Raises
    ------
    ConfigError
        ``key_path`` is empty, or the existing file is not valid TOML (it is left untouched
        rather than overwritten, so nothing the user wrote is lost).
    """
    import tomlkit

    if not key_path:
        raise ConfigError("set_project_value needs at least one key")
    path = Path(project_dir) / CONFIG_FILE
    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    except Exception as error:  # tomlkit raises its own ParseError subclasses
        raise ConfigError(f"cannot update {path}: it is not valid TOML ({_one_line(error)})") from None
    table: Any = document
    for key in key_path[:-1]:
        if key not in table or not isinstance(table[key], dict):
            table[key] = tomlkit.table()
        table = table[key]
    table[key_path[-1]] = value
    _atomic_write(path, tomlkit.dumps(document))


def ignore_code_for_project(project_dir: str | os.PathLike[str], code: str) -> list[str]:
    """Add ``code`` to the ``ignore`` list of ``.kepler/config.toml``; returns the new list.

    Used by the findings panel's "Ignore for this project" button. Adding a code that is
    already ignored changes nothing.
    """
    code = code.strip().upper()
    path = Path(project_dir) / CONFIG_FILE
    current: list[str] = []
    if path.exists():
        try:
            local = _loads_toml(path.read_text(encoding="utf-8"))
        except Exception as error:  # unreadable or not TOML: never overwrite it
            raise ConfigError(f"cannot update {path}: {_one_line(error)}") from None
        codes = _as_code_list(local.get("ignore"))
        if codes is None:  # a value kepler cannot read: never overwrite it
            raise ConfigError(f"cannot update {path}: 'ignore' should be a list of codes such as "
                              "[\"K104\"]; fix it by hand")
        current = [str(c) for c in codes]
    if code in current:
        return current
    updated = [*current, code]
    set_project_value(project_dir, ["ignore"], updated)
    return updated


def thresholds_for(config: dict[str, Any], code: str) -> dict[str, Any]:
    """The threshold overrides the configuration gives check ``code`` (``{}`` if none)."""
    table = (config.get("thresholds") or {}).get(code) or {}
    return dict(table) if isinstance(table, dict) else {}


# -- reading ----------------------------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return _loads_toml(path.read_text(encoding="utf-8"))
    except Exception as error:  # OSError, UnicodeDecodeError, TOMLDecodeError and kin
        _warn(path, _one_line(error))
        return {}


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _validated(config: dict[str, Any], project: Path) -> dict[str, Any]:
    """``config`` with kepler's own keys checked; a bad value is dropped with a warning."""
    config = dict(config)
    for key in ("select", "ignore"):
        if key in config:
            codes = _as_code_list(config[key])
            if codes is None:
                _warn(project, f"`{key}` must be a list of check codes such as [\"K104\"]; ignored")
                del config[key]
            else:
                config[key] = codes
    thresholds = config.get("thresholds")
    if thresholds is not None:
        if not isinstance(thresholds, dict) or not all(isinstance(v, dict) for v in thresholds.values()):
            _warn(project, "`thresholds` must hold one table per code, e.g. [thresholds.K303]; ignored")
            del config["thresholds"]
        else:
            config["thresholds"] = {str(code).upper(): dict(table) for code, table in thresholds.items()}
    return config


def _as_code_list(value: Any) -> list[str] | None:
    """A list of upper-case codes from a list or a comma-separated string; ``None`` if neither."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return [item.strip().upper() for item in value if item.strip()]


def _warn(where: Path, problem: str) -> None:
    warnings.warn(
        f"kepler: ignoring configuration in {where}: {problem} (using defaults)",
        KeplerWarning,
        stacklevel=3,
    )


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


# -- writing ----------------------------------------------------------------------------------


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".toml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
