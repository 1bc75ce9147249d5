"""Routes each intercepted training call of a cell / ``watch()`` block to what it is.

``intercept`` hands every outermost training call here, with the original method; its
``__name__`` says which entry point the user called:

- ``fit``, ``fit_transform``, ``fit_predict`` of an estimator that is an experiment, and
  ``cross_validate`` / ``learning_curve``: one experiment (``WatchSession.handle_fit``);
- the same calls on a preparation step (a scaler, an encoder... see
  ``adapters.sklearn_roles.is_experiment``): run untouched, no record, no findings; the step is
  noted in the session's ``preparation`` list, which later experiments of the block record as
  ``data.preparation``;
- ``partial_fit``, ``train_on_batch``: one call of a training loop (``loops.TrainingLoops``);
  ``test_on_batch`` (and a scikit-learn ``score`` on the loop's model): an evaluation inside
  such a loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kepler_jupyter.adapters.sklearn_roles import is_experiment, preparation_name
from kepler_jupyter.run.loops import EVALUATION_METHODS, LOOP_METHODS, TrainingLoops

#: the entry points the preparation rule applies to
_PREPARATION_ENTRIES = ("fit", "fit_transform", "fit_predict", "partial_fit")


class TrainingCalls:
    """The interception handler of one ``WatchSession``."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.loops = TrainingLoops(session)
        # the preparation steps already listed (refitting one lists it once); held for the
        # block so that a step's id is not reused by the next temporary object
        self._prepared: dict[int, Any] = {}

    def __call__(self, framework: str, original: Callable[..., Any], model: Any, args: tuple,
                 kwargs: dict) -> Any:
        entry = getattr(original, "__name__", "fit")
        if entry in EVALUATION_METHODS:
            return self.loops.evaluate(framework, original, model, args, kwargs)
        if framework == "sklearn" and entry in _PREPARATION_ENTRIES and not is_experiment(model):
            self._note_preparation(model)
            return original(model, *args, **kwargs)
        if entry in LOOP_METHODS.get(framework, ()):
            return self.loops.train(framework, original, model, args, kwargs)
        # a fit after a loop on the same model trains it anew: the loop has ended
        self.loops.close(model)
        return self.session.handle_fit(framework, original, model, args, kwargs)

    def on_score(self, model: Any, args: tuple, kwargs: dict, result: Any) -> None:
        """A ``score`` the user called: a loop's evaluation, or a fitted experiment's
        validation score (``WatchSession.handle_score``)."""
        if not self.loops.evaluated(model, result):
            self.session.handle_score(model, args, kwargs, result)

    def close(self, error: BaseException | None = None) -> None:
        """The block ended (``error``: the exception that ended it): end every open loop."""
        self.loops.close(interrupted=isinstance(error, KeyboardInterrupt))

    def _note_preparation(self, model: Any) -> None:
        if id(model) in self._prepared:
            return
        self._prepared[id(model)] = model
        self.session.preparation.append(preparation_name(model))


def add_preparation(record: dict[str, Any], session: Any) -> None:
    """Record in ``data.preparation`` the preparation steps fitted earlier in the block."""
    steps = list(getattr(session, "preparation", None) or [])
    if steps:
        record.setdefault("data", {})["preparation"] = steps
