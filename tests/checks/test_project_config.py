"""Project configuration: merging, validation, malformed files, writing and ignoring codes."""

from __future__ import annotations

import warnings

import pytest
import tomlkit

from kepler_jupyter.config import (
    ConfigError,
    find_project_dir,
    ignore_code_for_project,
    load_project_config,
    set_project_value,
    thresholds_for,
)
from kepler_jupyter.warnings import KeplerWarning


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_no_files_no_config(tmp_path):
    assert load_project_config(tmp_path) == {}
    assert load_project_config(None) == {}


def test_local_config_wins_key_by_key(tmp_path):
    write(tmp_path / "pyproject.toml", """
[project]
name = "demo"

[tool.kepler]
select = ["K3", "K1"]
ignore = ["K104"]

[tool.kepler.thresholds.K303]
max_fraction = 0.05

[tool.kepler.thresholds.K307]
max_magnitude = 10

[tool.kepler.goal]
metric = "val_accuracy"
target = 0.9
""")
    write(tmp_path / ".kepler" / "config.toml", """
ignore = ["k303", "K309"]

[thresholds.K303]
max_fraction = 0.2

[goal]
target = 0.95
""")
    config = load_project_config(tmp_path)
    assert config["select"] == ["K3", "K1"]
    assert config["ignore"] == ["K303", "K309"]  # lists replace; codes upper-cased
    assert thresholds_for(config, "K303") == {"max_fraction": 0.2}
    assert thresholds_for(config, "K307") == {"max_magnitude": 10}
    assert thresholds_for(config, "K101") == {}
    assert config["goal"] == {"metric": "val_accuracy", "target": 0.95}  # tables merge


def test_malformed_files_warn_once_and_fall_back_to_defaults(tmp_path):
    write(tmp_path / ".kepler" / "config.toml", "ignore = [K104\n")
    write(tmp_path / "pyproject.toml", '[tool.kepler]\nignore = ["K105"]\n')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        config = load_project_config(tmp_path)
    assert config == {"ignore": ["K105"]}
    assert len(caught) == 1 and issubclass(caught[0].category, KeplerWarning)
    message = str(caught[0].message)
    assert "\n" not in message and "config.toml" in message and "using defaults" in message


def test_wrong_types_are_dropped_with_a_warning(tmp_path):
    write(tmp_path / ".kepler" / "config.toml", 'ignore = 3\nselect = "K3, K1"\nthresholds = 1\n')
    with pytest.warns(KeplerWarning) as caught:
        config = load_project_config(tmp_path)
    assert config == {"select": ["K3", "K1"]}
    assert len(caught) == 2


def test_set_project_value_keeps_comments_and_other_keys(tmp_path):
    write(tmp_path / ".kepler" / "config.toml", "# my settings\nignore = [\"K104\"]\n")
    set_project_value(tmp_path, ["thresholds", "K303", "max_fraction"], 0.05)
    set_project_value(tmp_path, ["goal"], {"metric": "val_loss", "mode": "min"})
    set_project_value(tmp_path, ["goal"], {"metric": "val_accuracy", "mode": "max", "target": 0.9})
    text = (tmp_path / ".kepler" / "config.toml").read_text()
    assert text.startswith("# my settings")
    parsed = tomlkit.parse(text).unwrap()
    assert parsed["ignore"] == ["K104"]
    assert parsed["thresholds"]["K303"]["max_fraction"] == 0.05
    assert parsed["goal"] == {"metric": "val_accuracy", "mode": "max", "target": 0.9}
    assert not list((tmp_path / ".kepler").glob(".config-*"))  # no temporary file left behind


def test_set_project_value_creates_the_folder_and_refuses_to_clobber(tmp_path):
    set_project_value(tmp_path, ["flag"], True)
    assert tomlkit.parse((tmp_path / ".kepler" / "config.toml").read_text()).unwrap() == {"flag": True}
    write(tmp_path / ".kepler" / "config.toml", "broken = [\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        set_project_value(tmp_path, ["flag"], False)
    assert (tmp_path / ".kepler" / "config.toml").read_text() == "broken = [\n"


def test_ignore_code_for_project_leaves_an_unreadable_ignore_setting_alone(tmp_path):
    config = tmp_path / ".kepler" / "config.toml"
    config.parent.mkdir()
    config.write_text("ignore = 42\n")
    with pytest.raises(ConfigError, match="'ignore' should be a list of codes"):
        ignore_code_for_project(tmp_path, "K104")
    assert config.read_text() == "ignore = 42\n"


def test_ignore_code_for_project(tmp_path):
    assert ignore_code_for_project(tmp_path, "k303") == ["K303"]
    assert ignore_code_for_project(tmp_path, "K104") == ["K303", "K104"]
    assert ignore_code_for_project(tmp_path, "K104") == ["K303", "K104"]
    assert load_project_config(tmp_path)["ignore"] == ["K303", "K104"]


def test_find_project_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("KEPLER_PROJECT_DIR", raising=False)
    (tmp_path / ".kepler").mkdir()
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_project_dir(nested) == tmp_path.resolve()
    monkeypatch.setenv("KEPLER_PROJECT_DIR", str(nested))
    assert find_project_dir(tmp_path) == nested.resolve()
