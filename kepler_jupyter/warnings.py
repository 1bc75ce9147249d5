"""Warning classes kepler issues, one per check family, so users can filter them."""

from __future__ import annotations


class KeplerWarning(UserWarning):
    """Base class of every warning kepler issues."""


class KeplerInternalWarning(KeplerWarning):
    """kepler itself failed somewhere; the user's code went on unaffected."""


class SettingsWarning(KeplerWarning):
    """K1: minibatches, learning rate and other training settings."""


class WeightsWarning(KeplerWarning):
    """K2: weights and initialisation."""


class DataWarning(KeplerWarning):
    """K3: training and validation data."""


class ArchitectureWarning(KeplerWarning):
    """K4: activations, outputs and losses."""


class TrainingWarning(KeplerWarning):
    """K5: training dynamics observed during the fit."""


class ResultsWarning(KeplerWarning):
    """K6: diagnosis of the finished fit's results."""


class DuplicateRunWarning(KeplerWarning):
    """The same experiment (model, data and settings) is already in the journal."""


FAMILY_WARNINGS: dict[str, type[KeplerWarning]] = {
    "K1": SettingsWarning,
    "K2": WeightsWarning,
    "K3": DataWarning,
    "K4": ArchitectureWarning,
    "K5": TrainingWarning,
    "K6": ResultsWarning,
}


def warning_class_for(code: str) -> type[KeplerWarning]:
    """The warning class for a finding code such as ``K302``."""
    return FAMILY_WARNINGS.get(code[:2], KeplerWarning)
