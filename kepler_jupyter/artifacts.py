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
    """The absolute path of a stored ``artifacts.model`` value."""
    path = Path(relative_path)
    return path if path.is_absolute() else Path(kepler_dir).parent / path


def model_artifact(record: dict[str, Any]) -> str | None:
    """The saved-model path a record points to (``artifacts.model``), if any."""
    artifacts = record.get("artifacts") or {}
    if not isinstance(artifacts, dict):
        return None
    return artifacts.get("model") or artifacts.get("path")


def load_model(kepler_dir: str | Path, record_or_path: dict[str, Any] | str) -> Any:
    """Load a model saved by ``save_model``.

    Parameters
    ----------
    kepler_dir : str or Path
        The project's ``.kepler`` folder.
    record_or_path : dict or str
        A journal record with ``artifacts.model``, or that relative path itself.

    Raises
    ------
    ArtifactError
        The record has no saved model, or its file is gone.
    """
    relative = model_artifact(record_or_path) if isinstance(record_or_path, dict) else record_or_path
    if not relative:
        raise ArtifactError("This experiment has no saved model (train it with `--save`).")
    path = artifact_path(kepler_dir, relative)
    if not path.exists():
        raise ArtifactError(f"The saved model {path} is missing.")
    if path.suffix == ".keras":
        import keras

        return keras.saving.load_model(path)
    import joblib

    return joblib.load(path)
