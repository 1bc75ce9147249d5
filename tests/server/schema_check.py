"""Validate route payloads against the shared JSON schema."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from kepler_jupyter.schema import load_api_schema


def assert_matches_schema(payload: Any, definition: str) -> None:
    """Fail with every violation listed when ``payload`` is not a valid ``$defs/definition``."""
    schema = dict(load_api_schema())
    schema["$ref"] = f"#/$defs/{definition}"
    Draft202012Validator.check_schema(schema)
    errors = sorted(Draft202012Validator(schema).iter_errors(payload), key=str)
    assert not errors, "\n".join(f"{list(error.absolute_path)}: {error.message}" for error in errors)
