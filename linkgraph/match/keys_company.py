"""Fuzzy blocking keys of company names: one value per record, so each is an ordinary blocking rule.

A typo in a trade name ("locaiton gaudin" / "location gaudin") changes the exact name and its
sorted words, so exact blocking never pairs the two. Each key below survives a different kind
of slip, and the union of the rules that block on them pairs names one slip apart:

* ``name_pfx``: every word cut to its first 3 letters, sorted, joined ("gau loc"): a typo after
  the third letter of any word, a dropped or doubled letter there, words in another order;
* ``name_sfx``: every word cut to its last 3 letters, sorted ("din ton"): a typo in the first
  letters of a word;
* ``name_glued``: the name without spaces or hyphens, in its own order ("nicolefleurs"): words
  glued or split ("Nicole Fleurs" / "NicoleFleurs");
* ``name_rest``: the name without its longest word, sorted ("auto" for "royale auto"): a slip in
  the middle of the longest word, which changes its first and last three letters at once
  ("royale" / "roylae"), leaves the rest alone (the longest word: the first in sorted order among
  the longest);
* ``name_long``: the longest word whole, every other word of 4 letters or more cut to its first
  letter, sorted ("l plomberie" for "lanza plomberie"): a slip in the middle of a shorter word
  ("lanza" / "laza", "cabaret" / "cabret") changes its first and last three letters at once.
  Words of 3 letters or fewer stay whole: no key for a slip in those, "fad travaux" / "fa travaux"
  or "ptt conseil" / "ptc conseil" are as often two companies' initials as one typo.

* ``name_short``: the words of 4 letters or more, sorted, when the name also has shorter ones
  and at least two such words ("fils millet" for "millet eg fils"): a slip in a short word
  ("et" / "eg") between long ones, which every other key keeps. Names with one long word
  ("gev renovation", "pba services") get none: their short words are initials, as often two
  companies' as one typo.

* ``name_letters``: the letters of the name, sorted, for names of 6 letters or more
  ("aeeefijlmnst" for "mejane et ifls" and "mejane et fils"): two letters swapped anywhere, also
  at the start of a short word, which changes that word's initial and both its ends.

* ``name_bare``: the name without spaces and without a leading article glued to it in capitals
  ("potieretfils" for "LEPOTIER & FILS": the normalizer leaves it, "LECLERC" being a surname) or
  misspelt ("tilleuls" for "ls tilleuls"); other names as ``name_glued``.

Blocks stay bounded by the model's pair budget (:mod:`linkgraph.match.blocking` refines an
oversized rule's largest blocks by postcode, then city). Each key is computed once per distinct
name.

>>> import pandas as pd
>>> keys = company_name_keys(pd.Series(["locaiton gaudin", "location gaudin", "lacation gaudin", None]))
>>> keys["name_pfx"].tolist()       # a typo after the third letter: same prefixes
['gau loc', 'gau loc', 'gau lac', None]
>>> keys["name_sfx"].tolist()       # a typo in the first letters: same suffixes
['din ton', 'din ion', 'din ion', None]
>>> company_name_keys(pd.Series(["nicole fleurs", "nicolefleurs"]))["name_glued"].tolist()
['nicolefleurs', 'nicolefleurs']
>>> company_name_keys(pd.Series(["royale auto", "roylae auto", "auto"]))["name_rest"].tolist()
['auto', 'auto', None]
>>> company_name_keys(pd.Series(["lanza plomberie", "laza plomberie", "ptt conseil", "auto"]))["name_long"].tolist()
['l plomberie', 'l plomberie', 'conseil ptt', None]
>>> company_name_keys(pd.Series(["millet eg fils", "millet et fils", "gev renovation"]))["name_short"].tolist()
['fils millet', 'fils millet', None]
>>> company_name_keys(pd.Series(["mejane et ifls", "mejane et fils", "gev"]))["name_letters"].tolist()
['aeeefijlmnst', 'aeeefijlmnst', None]
"""
from __future__ import annotations

import pandas as pd

from linkgraph.normalize.vectorize import apply_unique

#: letters kept at the start (``name_pfx``) or the end (``name_sfx``) of each word
WORD_PART = 3


def _prefixes(name: str) -> str | None:
    return " ".join(sorted(w[:WORD_PART] for w in name.split())) or None


def _suffixes(name: str) -> str | None:
    return " ".join(sorted(w[-WORD_PART:] for w in name.split())) or None


def _glued(name: str) -> str | None:
    return name.replace(" ", "").replace("-", "") or None


def _longest(words: list[str]) -> int:
    return min(range(len(words)), key=lambda k: (-len(words[k]), words[k]))


def _rest(name: str) -> str | None:
    words = name.split()
    if len(words) < 2:
        return None
    k = _longest(words)
    return " ".join(sorted(words[:k] + words[k + 1:]))


#: words of at most this many letters are left out of ``name_short``
SHORT_MAX = 3

#: words of at least this many letters are cut to their first letter in ``name_long``
SHORT_WORD = 4


def _long(name: str) -> str | None:
    words = name.split()
    if len(words) < 2:
        return None
    k = _longest(words)
    rest = [w[0] if len(w) >= SHORT_WORD else w for w in words[:k] + words[k + 1:]]
    return " ".join(sorted(rest + [words[k]]))


def _short(name: str) -> str | None:
    words = name.split()
    long = [w for w in words if len(w) > SHORT_MAX]
    if len(long) < 2 or len(long) == len(words):
        return None
    return " ".join(sorted(long))


#: names with fewer letters than this get no ``name_letters`` key (short anagrams are common)
LETTERS_MIN = 6


def _letters(name: str) -> str | None:
    glued = name.replace(" ", "").replace("-", "")
    return "".join(sorted(glued)) if len(glued) >= LETTERS_MIN else None


#: a leading article glued to the name ("LEPOTIER", "LESDELICES": capitals keep the normalizer from
#: splitting it, "LECLERC" being a surname) or misspelt ("ls tilleuls", "lse roses")
GLUED_ARTICLES = ("les", "le", "la")
MISSPELT_ARTICLES = frozenset({"ls", "lse", "els", "lss", "lez"})
#: letters left of the first word, at least, once a glued article is taken off
BARE_MIN = 4


def _bare(name: str) -> str | None:
    first, _, rest = name.partition(" ")
    if first in MISSPELT_ARTICLES and rest:
        first, _, rest = rest.partition(" ")
    else:
        art = next((a for a in GLUED_ARTICLES if first.startswith(a) and len(first) - len(a) >= BARE_MIN), None)
        first = first[len(art):] if art else first
    return _glued(f"{first} {rest}".strip())


KEYS = {"name_pfx": _prefixes, "name_sfx": _suffixes, "name_glued": _glued, "name_rest": _rest,
        "name_long": _long, "name_short": _short, "name_letters": _letters, "name_bare": _bare}


def company_name_keys(names: pd.Series) -> dict[str, pd.Series]:
    """The fuzzy blocking keys (``KEYS``) of normalized company names, ``None`` where the name is."""
    return {col: apply_unique(names, func)[0] for col, func in KEYS.items()}


def company_keys(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """:func:`company_name_keys` and ``name_town``: the name and the town together ("location
    gaudin|lyon"), for the level that counts how many companies bear one name in one town;
    ``name_glued_town`` likewise with the name without spaces ("kebabgolden|nice").

    >>> company_keys(pd.DataFrame({"name": ["bar du port", "bar du port"], "city": ["lyon", None]}))["name_town"].tolist()
    ['bar du port|lyon', None]
    """
    out = company_name_keys(frame["name"])
    if "legal_form" in frame:
        both = frame["name"].notna() & frame["legal_form"].notna()
        out["name_form"] = (frame["name"].astype(object) + "|" + frame["legal_form"].astype(object)).where(both, None)
    if "city" in frame:
        both = frame["name"].notna() & frame["city"].notna()
        town = "|" + frame["city"].astype(object)
        out["name_town"] = (frame["name"].astype(object) + town).where(both, None)
        out["name_glued_town"] = (out["name_glued"].astype(object) + town).where(both, None)
        if "name_form" in out:
            out["name_form_town"] = (out["name_form"].astype(object) + town).where(both & out["name_form"].notna(), None)
    return out
