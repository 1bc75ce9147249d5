"""The registry (built-ins, plug-ins through a real entry point), selection and K000."""

from __future__ import annotations

import sys
import textwrap
import warnings

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from kepler_jupyter import checks
from kepler_jupyter.checks import registry
from kepler_jupyter.checks.base import Check, CheckSubject, Finding
from kepler_jupyter.journal import Journal
from kepler_jupyter.run.context import FitContext, FitData, RunOptions
from kepler_jupyter.warnings import (
    DataWarning,
    KeplerInternalWarning,
    KeplerWarning,
    SettingsWarning,
)


class Exploding(Check):
    code = "X901"
    title = "always raises"
    stage = "data"

    def run(self, subject):
        raise RuntimeError("boom")


class Always(Check):
    code = "X902"
    title = "always finds something"
    stage = "data"
    defaults = {"level": 1}

    def run(self, subject):
        yield self.finding(f"level {self.options['level']}", evidence={"level": self.options["level"]})


@pytest.fixture
def extra_checks():
    registry.register(Exploding)
    registry.register(Always)
    yield
    registry.unregister("X901")
    registry.unregister("X902")


@pytest.fixture
def subject(blobs):
    X, y = blobs
    return CheckSubject("sklearn", DecisionTreeClassifier(), X, y)


def test_builtin_catalogue_is_complete_and_consistent():
    catalogue = {check.code: check for check in checks.all_checks()}
    for code in ("K101", "K102", "K103", "K104", "K105", "K106", "K110", "K301", "K302", "K303",
                 "K304", "K305", "K306", "K307", "K308", "K309", "K310", "K311", "K312", "K313",
                 "K320", "K321", "K601", "K602", "K603"):
        check = catalogue[code]
        assert check.title and check.why and check.fix, code
    assert checks.get_check("k303") is catalogue["K303"]
    with pytest.raises(KeyError, match="no check has the code 'K999'"):
        checks.get_check("K999")


def test_duplicate_codes_are_rejected_with_a_clear_message():
    class Impostor(Check):
        code = "K301"
        title = "another K301"

    with pytest.raises(ValueError, match="K301 is already registered by kepler_jupyter.checks.data.NonFiniteInputs"):
        registry.register(Impostor)
    registry.register(checks.get_check("K301"))  # the same class again is harmless
    with pytest.raises(ValueError, match="invalid code"):
        registry.register(type("Bad", (Check,), {"code": "301"}))
    with pytest.raises(TypeError):
        registry.register(object)


def test_exploding_check_becomes_k000_and_others_still_run(subject, extra_checks):
    found = checks.run_checks(subject, "data", config={})
    internal = [f for f in found if f.code == "K000"]
    assert len(internal) == 1 and internal[0].severity == "info"
    assert internal[0].message == "check X901 failed internally: RuntimeError: boom; training goes on"
    assert [f.code for f in found if f.code == "X902"] == ["X902"]
    assert [f.code for f in checks.run_checks(subject, "data", ignore=["K000"], config={})].count("K000") == 0


def test_select_ignore_and_thresholds(subject, extra_checks):
    assert {f.code for f in checks.run_checks(subject, "data", select=["X9"], config={})} == {"X902", "K000"}
    assert [f.code for f in checks.run_checks(subject, "data", select="X902", config={})] == ["X902"]
    config = {"ignore": ["X901"], "thresholds": {"X902": {"level": 5}}}
    found = checks.run_checks(subject, "data", config=config)
    assert [f.evidence for f in found if f.code == "X902"] == [{"level": 5}]
    assert not any(f.code == "K000" for f in found)
    # the cell's ignore adds to the project's
    assert not any(f.code.startswith("X") for f in checks.run_checks(subject, "data", ignore="X9", config=config))


def test_threshold_typos_and_wrong_types_warn_and_keep_the_default(subject, extra_checks):
    config = {"thresholds": {"X902": {"levle": 5}, "K303": {"max_fraction": "high"}}}
    with pytest.warns(KeplerWarning) as caught:
        found = checks.run_checks(subject, "data", config=config)
    messages = [str(w.message) for w in caught]
    assert any("X902 has no threshold 'levle' (known: level)" in m for m in messages)
    assert any("max_fraction = 'high' is not a float; using 0.01" in m for m in messages)
    assert [f.evidence for f in found if f.code == "X902"] == [{"level": 1}]
    assert not any(f.code == "K000" and "K303" in f.message for f in found)


def test_results_are_sorted_errors_first(blobs):
    X, y = blobs
    X = X.copy()
    X[0, 0] = np.nan
    found = checks.run(DecisionTreeClassifier(), np.vstack([X, X[:1]]), np.r_[y, y[:1]], config={})
    assert [f.severity for f in found] == sorted((f.severity for f in found), key=["error", "warning", "info"].index)
    assert found[0].code == "K301"


def test_entry_point_plugins_register_like_builtins(tmp_path, monkeypatch):
    package = tmp_path / "kepler_fake_plugin.py"
    package.write_text(textwrap.dedent("""
        from kepler_jupyter.checks.base import Check

        class PluginCheck(Check):
            code = "ACME1"
            title = "a plug-in check"
            stage = "data"

            def run(self, subject):
                yield self.finding("seen by the plug-in")

        class Clash(Check):
            code = "K303"
            title = "clashes with a built-in"

        CHECKS = [PluginCheck]
        CLASHING = [Clash]
    """))
    dist = tmp_path / "kepler_fake_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: kepler-fake-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[kepler_jupyter.checks]\nfake = kepler_fake_plugin:CHECKS\nclash = kepler_fake_plugin:CLASHING\n"
        "broken = kepler_fake_plugin:MISSING\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            added = registry.load_entry_points()
        assert added == ["ACME1"]
        messages = [str(w.message) for w in caught if issubclass(w.category, KeplerInternalWarning)]
        assert any("clash" in m and "K303 is already registered" in m for m in messages)
        assert any("broken" in m for m in messages)
        assert checks.get_check("ACME1").title == "a plug-in check"
        found = checks.run(DecisionTreeClassifier(), np.eye(4), [0, 1, 0, 1], config={}, select=["ACME"])
        assert [f.message for f in found] == ["seen by the plug-in"]
    finally:
        registry.unregister("ACME1")
        sys.modules.pop("kepler_fake_plugin", None)


def test_run_prefit_uses_the_project_config_and_the_cell_ignore(tmp_path, blobs):
    X, y = blobs
    doubled, y2 = np.vstack([X, X[:100]]), np.r_[y, y[:100]]
    journal = Journal(tmp_path)
    ctx = FitContext("sklearn", DecisionTreeClassifier(), (doubled, y2), {}, RunOptions(),
                     data=FitData(doubled, y2), journal=journal)
    assert [f.code for f in checks.run_prefit(ctx)] == ["K303"]
    ctx.options.ignore = ["K104,K303"]
    assert checks.run_prefit(ctx) == []
    ctx.options.ignore = []
    (tmp_path / "pyproject.toml").write_text('[tool.kepler]\nignore = ["K303"]\n')
    assert checks.run_prefit(ctx) == []
    # .kepler/config.toml wins over pyproject.toml
    (tmp_path / ".kepler").mkdir(exist_ok=True)
    (tmp_path / ".kepler" / "config.toml").write_text("ignore = []\n[thresholds.K303]\nmax_fraction = 0.5\n")
    assert [(f.code, f.severity) for f in checks.run_prefit(ctx)] == [("K303", "info")]


def test_emit_warnings_uses_the_family_classes():
    findings = [
        Finding("K303", "dup", "warning", "data", "m1"),
        Finding("K104", "pow2", "info", "settings", "m2"),
        Finding("K101", "lr", "error", "settings", "m3"),
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        checks.emit_warnings(findings)
    assert [(w.category, str(w.message)) for w in caught] == [
        (DataWarning, "K303 dup: m1"), (SettingsWarning, "K101 lr: m3")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checks.emit_warnings(findings)  # warnings-as-errors never breaks the cell


def test_training_callbacks_follow_the_project_selection(blobs, tmp_path):
    pytest.importorskip("keras")
    from .check_helpers import make_mlp

    X, y = blobs
    ctx = FitContext("sklearn", DecisionTreeClassifier(), (X, y), {}, RunOptions(), data=FitData(X, y))
    assert checks.training_callbacks(ctx) == []  # no training monitor for scikit-learn
    ctx = FitContext("keras", make_mlp(), (X, y), {}, RunOptions(), data=FitData(X, y),
                     journal=Journal(tmp_path))
    assert len(checks.training_callbacks(ctx)) == 1
    ctx.options.ignore = ["K5"]
    assert checks.training_callbacks(ctx) == []
    ctx.options.ignore = []
    (tmp_path / ".kepler").mkdir(exist_ok=True)
    (tmp_path / ".kepler" / "config.toml").write_text('select = ["K3"]\n')
    assert checks.training_callbacks(ctx) == []


def test_run_rejects_what_it_cannot_check():
    with pytest.raises(ValueError, match="not str"):
        checks.run("a model", np.eye(2), [0, 1], config={})
