"""Experiment ids: short, random, unique across processes, easy to type as a prefix."""

from __future__ import annotations

import secrets

# Crockford's base32 in lower case: no i, l, o, u, so an id read aloud or retyped stays unambiguous.
ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
ID_LENGTH = 10


def new_experiment_id() -> str:
    """A new experiment id: 10 lower-case base32 characters (50 random bits).

    The ids are random rather than time-ordered on purpose: with a timestamp prefix every
    experiment of the same day would share its first five or six characters, and users pick
    experiments by typing the shortest unique prefix (``%kepler show 3fk``). Order comes from
    the record's ``created`` field instead. 50 bits give a collision chance of about 1 in 20
    million for a journal of 10,000 experiments, whichever processes created them.

    Returns
    -------
    str
        For example ``"3fk0q9xw2m"``.
    """
    bits = secrets.randbits(5 * ID_LENGTH)
    characters = []
    for _ in range(ID_LENGTH):
        characters.append(ID_ALPHABET[bits & 31])
        bits >>= 5
    return "".join(characters)
