"""Trained models saved beside the journal (``%%kepler fit --save``).

Keras models go to ``<project>/.kepler/models/<id>.keras`` (Keras' own format: architecture,
weights and optimizer state), scikit-learn estimators to ``<id>.joblib``. The record stores
the path relative to the project folder under ``artifacts.model`` (``.kepler/models/….keras``),
so a project folder can be moved or shared as a whole. Files are written under a temporary
name and renamed, so a crash mid-save never leaves a truncated model behind the real name.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

MODELS_FOLDER = "models"
SUFFIXES = {"keras": ".keras", "sklearn": ".joblib"}
_SAFE_ID = re.compile(r"^[A-Za-z0-9_\-]+$")


class ArtifactError(ValueError):
    """A model that cannot be saved or found (unknown framework, bad id, missing file)."""


def _model_file(kepler_dir: Path, exp_id: str, framework: str) -> Path:
    if not _SAFE_ID.match(exp_id):
        # The id becomes a file name: never let it climb out of the models folder.
        raise ArtifactError(f"Experiment id {exp_id!r} cannot be used as a file name.")
    if framework not in SUFFIXES:
        raise ArtifactError(f"kepler saves Keras and scikit-learn models, not {framework!r} ones.")
    return kepler_dir / MODELS_FOLDER / f"{exp_id}{SUFFIXES[framework]}"


def save_model(kepler_dir: str | Path, exp_id: str, model: Any, framework: str) -> str:
    """Save a trained model beside the journal.

    Parameters
    ----------
    kepler_dir : str or Path
        The project's ``.kepler`` folder (``Journal.kepler_dir``).
    exp_id : str
        The experiment's id; it names the file.
    model : keras.Model or sklearn estimator
        The trained model. It is only read, never changed.
    framework : {"keras", "sklearn"}
        How to save it.

    Returns
    -------
    str
        The path relative to the project folder, to store in the record as
        ``artifacts.model`` (``.kepler/models/<id>.keras``).
    """
    kepler_dir = Path(kepler_dir)
    target = _model_file(kepler_dir, exp_id, framework)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Keras insists on the ``.keras`` suffix, so the temporary name keeps it.
    partial = target.with_name(f"{exp_id}.partial-{os.getpid()}{target.suffix}")
    try:
        if framework == "keras":
            model.save(partial)
        else:
            import joblib

            joblib.dump(model, partial)
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()
    return (Path(kepler_dir.name) / MODELS_FOLDER / target.name).as_posix()


def artifact_path(kepler_dir: str | Path, relative_path: str) -> Path:
    """The absolute path of a stored ``artifacts.model`` value (not yet checked: see
    ``contained_artifact``)."""
    path = Path(relative_path)
    return path if path.is_absolute() else Path(kepler_dir).parent / path


def contained_artifact(kepler_dir: str | Path, relative_path: str) -> Path:
    """The resolved path of a stored model, refused unless it lies in ``<project>/.kepler/models/``.

    A record is data that anyone who shares or clones the journal can write, so the path it
    names is checked on the resolved path: an absolute path, ``..`` or a symlink leading out of
    the models folder is refused before anything is opened.

    Raises
    ------
    ArtifactError
        The path leads outside the models folder.
    """
    if not isinstance(relative_path, str) or "\x00" in relative_path:
        raise ArtifactError("The record's saved-model path is not a file path.")
    models = (Path(kepler_dir) / MODELS_FOLDER).resolve()
    path = artifact_path(kepler_dir, relative_path).resolve()
    if models not in path.parents:
        raise ArtifactError(
            f"The record points to a model outside {models} ({relative_path!r}); kepler only "
            "loads models it saved in the project's .kepler/models/ folder.")
    return path


def model_artifact(record: dict[str, Any]) -> str | None:
    """The saved-model path a record points to (``artifacts.model``), if any."""
    artifacts = record.get("artifacts") or {}
    if not isinstance(artifacts, dict):
        return None
    path = artifacts.get("model") or artifacts.get("path")
    return path if isinstance(path, str) else None


def load_model(kepler_dir: str | Path, record_or_path: dict[str, Any] | str, *,
               trust: bool = False) -> Any:
    """Load a model saved by ``save_model``.

    Only files inside ``<project>/.kepler/models/`` are loaded (checked on the resolved path,
    so a symlink out of the folder is refused). Keras models load with ``safe_mode=True``,
    which refuses the Python code (``lambda`` layers) a ``.keras`` file can carry. A
    scikit-learn model is a pickle (``joblib``), and unpickling runs whatever code the file
    says: it is loaded only with ``trust=True``, which says you know where the file came from
    (a journal shared by someone else or cloned from a repository is not such a file).

    Parameters
    ----------
    kepler_dir : str or Path
        The project's ``.kepler`` folder.
    record_or_path : dict or str
        A journal record with ``artifacts.model``, or that relative path itself.
    trust : bool, default False
        Allow loading pickle-based files (``.joblib``, ``.pkl``), which can run code.

    Raises
    ------
    ArtifactError
        The record has no saved model, its file is gone, it lies outside the models folder,
        or it is a pickle and ``trust`` is not set.
    """
    relative = model_artifact(record_or_path) if isinstance(record_or_path, dict) else record_or_path
    if not relative:
        raise ArtifactError("This experiment has no saved model (train it with `--save`).")
    path = contained_artifact(kepler_dir, relative)
    if not path.is_file():
        raise ArtifactError(f"The saved model {path} is missing.")
    if path.suffix == ".keras":
        import keras

        return keras.saving.load_model(path, safe_mode=True)
    if path.suffix not in (".joblib", ".pkl", ".pickle"):
        raise ArtifactError(f"kepler does not know how to load {path.name}.")
    if not trust:
        raise ArtifactError(
            f"{path.name} is a pickle, and loading a pickle runs whatever code it holds. Load it "
            "only if you saved it yourself or trust who did: load_model(..., trust=True).")
    import joblib

    return joblib.load(path)
