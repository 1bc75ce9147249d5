"""The building blocks of kepler's checks: severities, stages, findings and the Check base class.

A check is a small class with a stable code (``K302``), a title, a severity, a stage and a
``run`` method that yields findings. ``run`` receives a ``CheckSubject`` for pre-fit and results
checks; training-time checks are driven by the training monitor instead (see ``training.py``).
Like Keras callbacks, the base class does nothing: subclasses override only what they need.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

SEVERITIES = ("error", "warning", "info")
STAGES = ("data", "model", "settings", "training", "results")


@dataclass
class Finding:
    """One thing a check found, with the evidence and what to do about it."""

    code: str
    title: str
    severity: str
    stage: str
    message: str
    why: str = ""
    fix: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The plain-JSON form stored in the journal record."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        known: dict[str, Any] = {name: data.get(name) for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    def __str__(self) -> str:
        return f"{self.code} [{self.severity}] {self.title}: {self.message}"


@dataclass
class CheckSubject:
    """What a pre-fit or results check looks at.

    ``cache`` lets checks share expensive summaries of the data (row hashes, column
    statistics) so the whole pre-fit suite reads a large array only a few times.
    """

    framework: str
    model: Any
    X: Any = None
    y: Any = None
    validation: tuple[Any, Any] | None = None
    validation_split: float = 0.0
    fit_kwargs: dict[str, Any] = field(default_factory=dict)
    #: thresholds and options from the project configuration, keyed by code
    config: dict[str, Any] = field(default_factory=dict)
    #: the journal record built so far (history and metrics for results checks)
    record: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    #: ``warnings.WarningMessage`` objects the fit raised (results checks read them)
    fit_warnings: list[Any] = field(default_factory=list)
    #: ``sample_weight`` the fit was given, if any (weighting answers class imbalance)
    sample_weight: Any = None
    #: streams the data came from, by part (``"training"``, ``"validation"``): their
    #: ``adapters.streams.StreamSample``. X / y / validation then hold the sampled batches
    sampled: dict[str, Any] = field(default_factory=dict)
    #: which data X / y are: "training", or "validation" when the checks run again on the
    #: validation data as if it were the training data (``checks.validation_part``)
    part: str = "training"
    #: for the validation part, where it comes from ("validation_data", the split tail)
    where: str = ""


class Check:
    """Base class of every check. Subclasses set the class attributes and override ``run``."""

    code: ClassVar[str] = ""
    title: ClassVar[str] = ""
    severity: ClassVar[str] = "warning"
    stage: ClassVar[str] = "data"
    #: frameworks the check applies to
    frameworks: ClassVar[tuple[str, ...]] = ("keras", "sklearn")
    why: ClassVar[str] = ""
    fix: ClassVar[str] = ""
    #: tunable thresholds with their defaults; users override them per project by code
    defaults: ClassVar[dict[str, Any]] = {}
    #: whether the check's answer holds on a sample of a stream's batches; those that need
    #: every row (the size of the data, a label distribution) are skipped on a sample
    works_on_sample: ClassVar[bool] = True
    #: whether the check runs again on the validation data, as on training data
    #: (``checks.validation_part``); checks that compare the two parts keep False
    on_validation: ClassVar[bool] = False

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        self.options = {**self.defaults, **(options or {})}

    def applies(self, subject: CheckSubject) -> bool:
        """Whether this check has anything to say about ``subject``."""
        return subject.framework in self.frameworks

    def run(self, subject: CheckSubject) -> Iterable[Finding] | None:
        """Yield (or return a list of) findings; nothing when all is well."""
        return None

    def finding(
        self,
        message: str,
        evidence: dict[str, Any] | None = None,
        severity: str | None = None,
        fix: str | None = None,
    ) -> Finding:
        """A finding of this check, with its title, why and fix filled in."""
        return Finding(
            code=self.code,
            title=self.title,
            severity=severity or self.severity,
            stage=self.stage,
            message=message,
            why=self.why,
            fix=fix if fix is not None else self.fix,
            evidence=evidence or {},
        )
