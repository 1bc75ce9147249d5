"""The fit interception: who is intercepted, and that everything is restored afterwards."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from kepler_jupyter.run import intercept
from kepler_jupyter.run.intercept import Interception


class Recorder:
    """A fit handler that records which models were intercepted and runs the real fit."""

    def __init__(self):
        self.calls = []

    def __call__(self, framework, original, model, args, kwargs):
        self.calls.append((framework, type(model).__name__))
        return original(model, *args, **kwargs)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    return X, y


def test_sklearn_fit_is_intercepted_once_and_returns_the_estimator(data):
    X, y = data
    recorder = Recorder()
    model = LogisticRegression()
    with Interception(recorder):
        returned = model.fit(X, y)
    assert returned is model
    assert recorder.calls == [("sklearn", "LogisticRegression")]
    assert hasattr(model, "coef_")


def test_inner_fits_of_meta_estimators_are_not_separate_experiments(data):
    X, y = data
    recorder = Recorder()
    pipeline = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    search = GridSearchCV(pipeline, {"clf__C": [0.1, 1.0]}, cv=3)
    with Interception(recorder):
        search.fit(X, y)
        pipeline.fit(X, y)
    assert recorder.calls == [("sklearn", "GridSearchCV"), ("sklearn", "Pipeline")]


def test_nothing_is_intercepted_outside_and_methods_are_restored(data):
    X, y = data
    before = LogisticRegression.__dict__["fit"]
    recorder = Recorder()
    with Interception(recorder):
        assert LogisticRegression.__dict__["fit"] is not before
    assert LogisticRegression.__dict__["fit"] is before
    LogisticRegression().fit(X, y)
    assert recorder.calls == []
    assert not intercept.is_active()


@pytest.mark.parametrize("exception", [ValueError("boom"), KeyboardInterrupt()])
def test_methods_are_restored_after_an_exception(data, exception):
    before = LogisticRegression.__dict__["fit"]
    with pytest.raises(type(exception)):
        with Interception(Recorder()):
            raise exception
    assert LogisticRegression.__dict__["fit"] is before
    assert "__init_subclass__" not in BaseEstimator.__dict__


def test_estimator_classes_defined_during_the_interception_are_caught(data):
    X, y = data
    recorder = Recorder()
    with Interception(recorder):

        class MeanClassifier(BaseEstimator):
            def fit(self, X, y):
                self.mean_ = float(np.mean(y))
                return self

        MeanClassifier().fit(X, y)
    assert recorder.calls == [("sklearn", "MeanClassifier")]
    # after the interception the new class has its own fit back
    assert not hasattr(MeanClassifier.__dict__["fit"], "__kepler_original__")


def test_fits_on_other_threads_are_not_intercepted(data):
    X, y = data
    recorder = Recorder()
    with Interception(recorder):
        worker = threading.Thread(target=lambda: LogisticRegression().fit(X, y))
        worker.start()
        worker.join()
    assert recorder.calls == []


def test_a_failing_fit_raises_the_users_exception_unchanged():
    recorder = Recorder()
    with Interception(recorder):
        with pytest.raises(ValueError) as caught:
            LogisticRegression().fit([[1.0], [2.0]], [0, 0])  # one class only
    assert "class" in str(caught.value)


def test_keras_models_of_every_kind_are_intercepted_and_restored():
    keras = pytest.importorskip("keras")
    from keras.src.models.model import Model

    X = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    y = (X[:, 0] > 0).astype("float32")

    sequential = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    inputs = keras.Input((4,))
    functional = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inputs))

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1, activation="sigmoid")

        def call(self, x):
            return self.dense(x)

    subclassed = Subclassed()
    recorder = Recorder()
    with Interception(recorder):
        for model in (sequential, functional, subclassed):
            model.compile(optimizer="sgd", loss="binary_crossentropy")
            history = model.fit(X, y, epochs=1, verbose=0)
            assert isinstance(history, keras.callbacks.History)
    assert [name for _, name in recorder.calls] == ["Sequential", "Functional", "Subclassed"]
    assert "fit" not in Model.__dict__


def test_frameworks_first_imported_inside_the_interception_are_caught():
    import subprocess
    import sys

    script = """
import sys
from kepler_jupyter.run.intercept import Interception
calls = []
def handler(framework, original, model, args, kwargs):
    calls.append((framework, type(model).__name__))
    return original(model, *args, **kwargs)
assert "sklearn" not in sys.modules and "keras" not in sys.modules
with Interception(handler):
    from sklearn.linear_model import LogisticRegression
    LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    import keras
    import numpy as np
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.zeros((4, 1)), np.zeros(4), verbose=0)
print(calls)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "[('sklearn', 'LogisticRegression'), ('keras', 'Sequential')]" in done.stdout


def test_a_cross_validation_is_one_experiment_of_its_estimator(data):
    from sklearn import model_selection

    X, y = data
    recorder = Recorder()
    with Interception(recorder):
        scores = model_selection.cross_val_score(LogisticRegression(), X, y, cv=3)
        results = model_selection.cross_validate(LogisticRegression(), X, y, cv=4)
    assert recorder.calls == [("sklearn", "LogisticRegression")] * 2
    assert len(scores) == 3 and len(results["test_score"]) == 4
    assert not hasattr(model_selection.cross_validate, "__kepler_original__")


def test_folds_of_an_unwrapped_cross_validation_are_not_experiments(data):
    from sklearn.model_selection import cross_validate  # bound before the interception

    X, y = data
    recorder = Recorder()
    with pytest.warns(UserWarning, match="folds of this cross-validation are not journaled"):
        with Interception(recorder):
            cross_validate(LogisticRegression(), X, y, cv=3)
    assert recorder.calls == []


def test_entry_points_other_than_fit_are_intercepted_once(data):
    from sklearn.cluster import DBSCAN, KMeans
    from sklearn.decomposition import PCA
    from sklearn.linear_model import SGDClassifier

    X, y = data
    recorder = Recorder()
    with Interception(recorder):
        reduced = PCA(2).fit_transform(X)  # PCA's own fit_transform: no fit call at all
        scaled = StandardScaler().fit_transform(X)  # TransformerMixin's: goes through fit
        labels = DBSCAN().fit_predict(X)
        KMeans(2, n_init=2, random_state=0).fit_predict(X)
        SGDClassifier().partial_fit(X, y, classes=[0, 1])
    assert recorder.calls == [
        ("sklearn", "PCA"), ("sklearn", "StandardScaler"), ("sklearn", "DBSCAN"),
        ("sklearn", "KMeans"), ("sklearn", "SGDClassifier"),
    ]
    assert reduced.shape == (60, 2) and scaled.shape == X.shape and labels.shape == (60,)


def test_methods_inherited_from_mixins_are_wrapped_and_restored(data):
    from sklearn.base import ClassifierMixin, TransformerMixin
    from sklearn.svm import SVC

    X, y = data
    before = {
        (cls, name): cls.__dict__[name]
        for cls, name in ((ClassifierMixin, "score"), (TransformerMixin, "fit_transform"))
    }
    scores = []
    with Interception(Recorder(), on_score=lambda model, args, kwargs, result: scores.append(result)):
        for cls, name in before:
            assert hasattr(cls.__dict__[name], "__kepler_original__")
        model = SVC().fit(X, y)
        value = model.score(X, y)  # SVC inherits ClassifierMixin.score
    assert scores == [value]
    for (cls, name), method in before.items():
        assert cls.__dict__[name] is method


def test_cross_validation_imported_by_name_is_wrapped_in_modules_and_restored(data):
    import types

    from sklearn.model_selection import _validation, cross_validate, learning_curve

    X, y = data
    module = types.ModuleType("users_module")  # a module that imported the names before
    module.cross_validate, module.learning_curve = cross_validate, learning_curve
    import sys

    sys.modules["users_module"] = module
    recorder = Recorder()
    try:
        with Interception(recorder):
            module.cross_validate(LogisticRegression(), X, y, cv=3)
            module.learning_curve(LogisticRegression(), X, y, cv=3, train_sizes=[0.5, 1.0])
            module.cross_validate = "rebound by the user"
        assert module.cross_validate == "rebound by the user"  # the user's own binding stays
        assert module.learning_curve is learning_curve is _validation.learning_curve
        assert _validation.cross_validate is cross_validate
    finally:
        del sys.modules["users_module"]
    assert recorder.calls == [("sklearn", "LogisticRegression")] * 2


def test_a_method_added_to_a_class_between_interceptions_is_wrapped(data):
    """The classes' patch plans are kept between interceptions (installing is cheaper), but a
    class that gained its own ``fit`` meanwhile gets it wrapped, and restored after."""
    X, y = data

    class Base(BaseEstimator):
        def fit(self, X, y):
            self.mean_ = float(np.mean(y))
            return self

    class Child(Base):
        pass

    first = Recorder()
    with Interception(first):
        Child().fit(X, y)
    assert first.calls == [("sklearn", "Child")]

    def own_fit(self, X, y):
        self.own_ = True
        return self

    Child.fit = own_fit
    second = Recorder()
    with Interception(second):
        assert Child.__dict__["fit"].__kepler_original__ is own_fit
        child = Child().fit(X, y)
    assert second.calls == [("sklearn", "Child")] and child.own_
    assert Child.__dict__["fit"] is own_fit and Base.__dict__["fit"].__name__ == "fit"
    assert not hasattr(Base.__dict__["fit"], "__kepler_original__")
