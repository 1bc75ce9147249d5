"""The filter language of ``%kepler search``: each operator, aliases, notes and errors."""

from __future__ import annotations

import pytest

from kepler_jupyter.commands import CommandError
from kepler_jupyter.history.filters import filter_records, parse_filters, resolve_field

from .records import keras_record, sklearn_record


@pytest.fixture
def records():
    return [
        keras_record(hidden=(64,), learning_rate=1e-3, final_accuracy=0.91, name="baseline mlp",
                     tags=("baseline",), hypothesis="a small MLP is enough"),
        keras_record(hidden=(256, 128, 64), learning_rate=1e-2, final_accuracy=0.95, name="ResNet-ish deep",
                     tags=("deep", "wide"), hypothesis="Wider layers fix underfitting",
                     conclusion="it overfits after epoch 3"),
        keras_record(hidden=(128, 64, 32, 16), learning_rate=5e-4, final_accuracy=0.97, status="stopped",
                     name="deeper"),
        sklearn_record(estimator_params={"C": 0.1, "penalty": "l2"}, score=0.88, tags=("baseline",)),
    ]


def names(found):
    return [record["name"] for record in found]


@pytest.mark.parametrize(("query", "expected"), [
    ("model=Sequential", ["baseline mlp", "ResNet-ish deep", "deeper"]),
    ("model==sequential", ["baseline mlp", "ResNet-ish deep", "deeper"]),
    ("model!=Sequential", ["LogisticRegression"]),
    ("layers>3", ["ResNet-ish deep", "deeper"]),
    ("layers>=5", ["deeper"]),
    ("layers<3", ["baseline mlp"]),
    ("layers<=2", ["baseline mlp"]),
    ("learning_rate<0.01", ["baseline mlp", "deeper"]),
    ("lr=0.01", ["ResNet-ish deep"]),
    ("val_accuracy>0.93", ["ResNet-ish deep", "deeper"]),
    ("tag=baseline", ["baseline mlp", "LogisticRegression"]),
    ("tag!=baseline", ["ResNet-ish deep", "deeper"]),
    ("status=stopped", ["deeper"]),
    ("name~resnet", ["ResNet-ish deep"]),
    ("name!~mlp", ["ResNet-ish deep", "deeper", "LogisticRegression"]),
    ('hypothesis~"wider layers"', ["ResNet-ish deep"]),
    ("notes~overfits", ["ResNet-ish deep"]),
    ("overfits", ["ResNet-ish deep"]),  # a bare word searches names, tags and notes
    ("C<1", ["LogisticRegression"]),  # estimator parameters by name
    ("params.estimator_params.penalty=l2", ["LogisticRegression"]),
    ("model=Sequential layers>3 learning_rate<0.01 val_accuracy>0.9", ["deeper"]),
    ("created>=2000-01-01 framework=keras tag=baseline", ["baseline mlp"]),
])
def test_filters_select_the_right_records(records, query, expected):
    assert names(filter_records(records, query)) == expected


def test_tokens_already_split_by_the_shell_work_too(records):
    assert names(filter_records(records, ["hypothesis~wider layers", "layers>3"])) == ["ResNet-ish deep"]


def test_missing_fields_never_match_comparisons(records):
    # the sklearn record has no learning rate: it is neither above nor below a value
    assert "LogisticRegression" not in names(filter_records(records, "learning_rate>0"))
    assert "LogisticRegression" not in names(filter_records(records, "learning_rate<1"))


def test_resolve_field_aliases(records):
    deep = records[1]
    assert resolve_field(deep, "layers") == 4
    assert resolve_field(deep, "model") == "Sequential"
    assert resolve_field(deep, "tag") == ["deep", "wide"]
    assert resolve_field(deep, "val_accuracy") == pytest.approx(0.95)
    assert resolve_field(deep, "model.layers.0.units") == 256


@pytest.mark.parametrize(("query", "message"), [
    ("layers>", "no value"),
    ("layers=>3", "not an operator"),
    ("layers>many", "compares numbers or dates"),
    ("=3", "Malformed filter"),
    ('hypothesis~"unclosed', "Cannot read the filter"),
])
def test_malformed_filters_raise_a_clear_command_error(query, message):
    with pytest.raises(CommandError, match=message):
        parse_filters(query)
