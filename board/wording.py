"""Counted nouns in plain English: "1 case", "2 cases", "1 day ago".

A vocabulary module (standard library only), so services, exports and pages word
their counts the same way.
"""

from __future__ import annotations

#: Nouns whose plural is not the singular plus "s".
IRREGULAR: dict[str, str] = {
    "series": "series",
    "study": "studies",
    "biopsy": "biopsies",
    "entry": "entries",
    "person": "people",
}


def plural_of(noun: str) -> str:
    """The plural of ``noun`` ("case" -> "cases", "study" -> "studies").

    Parameters
    ----------
    noun:
        A singular noun (or a phrase ending in one).

    Returns
    -------
    str
        The plural.
    """
    head, _, last = noun.rpartition(" ")
    if last in IRREGULAR:
        word = IRREGULAR[last]
    elif last.endswith(("s", "x", "ch", "sh")):
        word = last + "es"
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        word = last[:-1] + "ies"
    else:
        word = last + "s"
    return f"{head} {word}" if head else word


def plural(count: int, noun: str, many: str | None = None) -> str:
    """A count with its noun in the right number: "1 case", "0 cases", "2 cases".

    Parameters
    ----------
    count:
        How many.
    noun:
        The singular noun.
    many:
        The plural when it is not regular (see :func:`plural_of`).

    Returns
    -------
    str
        The count, a space and the noun.
    """
    word = noun if count == 1 else (many or plural_of(noun))
    return f"{count:,} {word}"


def days_ago(days: int) -> str:
    """How long ago a day was: "today", "1 day ago", "12 days ago" ("in 3 days" ahead).

    Parameters
    ----------
    days:
        Whole days since then (negative: still to come).

    Returns
    -------
    str
        The phrase.
    """
    if days == 0:
        return "today"
    if days < 0:
        return f"in {plural(-days, 'day')}"
    return f"{plural(days, 'day')} ago"
