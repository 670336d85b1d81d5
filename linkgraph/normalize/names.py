"""Person names: folded form, compact key, phonetic key, and full-name splitting.

* ``normalize_name`` is ``fold``: hyphens and apostrophes become spaces, so ``"Jean-Pierre"``
  -> ``"jean pierre"`` and ``"N'Diaye"`` -> ``"n diaye"`` (the elided particle stays a token of
  its own; ``name_key`` then glues it back: ``"ndiaye"``).
* ``name_key`` drops the spaces: ``"Ben Ali"``, ``"BENALI"``, ``"ben-ali"`` -> ``"benali"``.
* ``phonetic_key`` is a French/Maghrebi-aware sound key; see its docstring for the rules.
* ``split_full_name`` splits ``"BEN ALI Mohamed"`` into ``("Mohamed", "BEN ALI")``;
  ``split_full_names`` does the same for many values at once.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from linkgraph.normalize.text import as_text, fold, fold_many

#: Name particles (folded): they belong to the surname that follows them.
PARTICLES: frozenset[str] = frozenset({
    "d", "da", "das", "de", "del", "della", "der", "des", "di", "do", "dos", "du", "l", "la", "le",
    "les", "lo", "van", "von", "den", "ter", "ten", "zu", "mac", "mc", "st", "saint", "sainte",
    "ben", "bin", "bent", "bint", "ibn", "ould", "ait", "el", "al", "ul", "abou", "abu", "bou",
})


def normalize_name(s: str | None) -> str | None:
    """Folded name: lowercase, no accents, punctuation (``-``, ``'``) as spaces. Never raises."""
    return fold(s)


def name_key(s: str | None) -> str | None:
    """Folded name without spaces: ``"de la Fontaine"`` and ``"Delafontaine"`` share a key."""
    folded = fold(s)
    return folded.replace(" ", "") if folded else None


# --- phonetic key ------------------------------------------------------------------------
#: Rewrites applied in order to the folded, space-free, de-doubled name.
_PHONETIC_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl) for pattern, repl in (
        (r"x", "ks"),                    # Alexandre = Aleksandre (frees "x" for the "ch" sound)
        (r"ch(?=[rl])", "k"),            # Christophe, Chloé
        (r"(?:ts|t|s)?ch|sh", "x"),      # Chérif = Sherif, Tchad, Schmitt: one "sh" sound
        (r"dj", "j"),                    # Djamel = Jamel
        (r"ph", "f"),                    # Philippe = Filipe
        (r"kh", "k"),                    # Khaled = Kaled
        (r"gh", "g"),                    # Ghali = Gali
        (r"dh", "d"),                    # Abdelkadher = Abdelkader
        (r"th", "t"),                    # Thomas = Tomas
        (r"ck|qu(?=[aeiouy])|q", "k"),   # Jacques, Qassim = Kassim, Abdelhaq = Abdelhak
        (r"c(?=[eiy])", "s"),            # Youcef = Yousef, Cécile
        (r"c", "k"),                     # Karim = Carim
        (r"g(?=[eiy])", "j"),            # Georges = Jorge
        (r"gu(?=[eiy])", "g"),           # Guillaume, Guy
        (r"ou|w", "u"),                  # Mouhamed = Muhamed, Oualid = Walid
        (r"y", "i"),                     # Yusuf = Iusuf, Ilyas = Ilias
        (r"(?<=[aeiou])h(?=[aeiou]|$)|(?<=[^aeiou])h(?=[aeiou])", ""),  # Mohamed = Moamed
        (r"aul?[dt]$", "o"),             # Renault = Renaud = Reno
        (r"(?<=[nr])[dt]$", ""),         # Dupont = Dupond, Bernard = Bernart
        (r"(?<=[^aeiou])e$", ""),        # Martine = Martin (mute final e)
        (r"d$", "t"),                    # Ahmed = Ahmet, Mourad = Mourat
        (r"(.)\1+", r"\1"),              # letters doubled by the rewrites
    )
)
_VOWEL_RUN = re.compile(r"[aeiou]+")
_INITIAL_CLASS = {"a": "A", "e": "I", "i": "I", "o": "U", "u": "U"}
_DOUBLES = re.compile(r"(.)\1+")
_LETTERS = re.compile(r"[^a-z]+")


@lru_cache(maxsize=1 << 16)
def _phonetic(folded: str) -> str | None:
    word = _DOUBLES.sub(r"\1", _LETTERS.sub("", folded))
    if not word:
        return None
    for pattern, repl in _PHONETIC_RULES:
        word = pattern.sub(repl, word)
    if not word:
        return None
    head = ""
    if word[0] in _INITIAL_CLASS:
        head = _INITIAL_CLASS[word[0]]
        word = _VOWEL_RUN.sub("", word, count=1) if _VOWEL_RUN.match(word) else word
    return head + _VOWEL_RUN.sub("a", word).upper()


def _multiline(pattern: str) -> re.Pattern[str]:
    """A phonetic rule for many names joined by newlines: no class may match the separator."""
    return re.compile(pattern.replace("[^aeiou]", "[^aeiou\n]"), re.MULTILINE)


_PHONETIC_RULES_JOINED = tuple((_multiline(p.pattern), repl) for p, repl in _PHONETIC_RULES)
_NON_LETTERS_JOINED = re.compile(r"[^a-z\n]+")
_DOUBLES_JOINED = re.compile(r"(.)\1+")  # "." never matches the newline between two names
_HEAD_JOINED = ((re.compile(r"^a[aeiou]*", re.MULTILINE), "A"), (re.compile(r"^[ei][aeiou]*", re.MULTILINE), "I"),
                (re.compile(r"^[ou][aeiou]*", re.MULTILINE), "U"))


def phonetic_keys(folded: list[str]) -> list[str | None]:
    """``phonetic_key`` of many folded names at once (``fold`` output, ``ç`` already read as ``s``).

    The names are joined by newlines and each rewrite runs once over the whole text (the rules
    anchored at a name's end use multiline ``$``; no rule matches across the newline), so the
    regex engine does the work in C instead of one Python call per name and rule.
    """
    if not folded:
        return []
    text = "\n".join(folded)
    if "\n" in "".join(folded):
        raise ValueError("folded names hold no newline")
    text = _DOUBLES_JOINED.sub(r"\1", _NON_LETTERS_JOINED.sub("", text))
    for pattern, repl in _PHONETIC_RULES_JOINED:
        text = pattern.sub(repl, text)
    for pattern, head in _HEAD_JOINED:
        text = pattern.sub(head, text)
    text = _VOWEL_RUN.sub("a", text).upper()
    return [key or None for key in text.split("\n")]


def phonetic_key(s: str | None) -> str | None:
    """A sound key for French and Maghrebi names, robust to transliteration variants.

    The name is folded (``ç`` read as ``s``), spaces and digits dropped, doubled letters
    collapsed, then rewritten in this order: ``x``->``ks``; ``chr``/``chl``->``kr``/``kl``;
    ``ch``/``sh``/``sch``/``tch``->``x``; ``dj``->``j``; ``ph``->``f``; ``kh``/``gh``/``dh``/``th``
    -> ``k``/``g``/``d``/``t``; ``ck``, ``qu`` + vowel, ``q`` -> ``k``; ``c`` before e/i/y ->
    ``s``, other ``c`` -> ``k``; ``g`` before e/i/y -> ``j``; ``gu`` before e/i/y -> ``g``;
    ``ou``/``w`` -> ``u``; ``y`` -> ``i``; ``h`` dropped between vowels, at the end after a
    vowel and between a consonant and a vowel (kept first and before a consonant, so
    ``Mahmoud``, ``Mehdi`` and ``Mohamed`` stay apart); final ``ault``/``aud`` -> ``o``; final
    ``d``/``t`` after ``n``/``r`` dropped; final mute ``e`` after a consonant dropped; final
    ``d`` -> ``t``; doubled letters collapsed again. Finally a leading vowel run becomes its
    class (``A`` for a, ``I`` for e/i/y, ``U`` for o/u/w) and every other vowel run becomes
    one ``A``: the key keeps the consonants and the syllable shape, not the vowel colour.

    Equal keys: Mohamed/Mohammed/Mohamad/Muhammad/Mouhamed/Mhamed (``MAMAT``),
    Youssef/Youcef/Yousef/Yusuf (``ISAF``), Karim/Kareem, Abdelkader/Abdel Kader/Abdelkadher,
    Benali/Ben Ali, Dupont/Dupond, Walid/Oualid, Rachid/Rashid, Djamel/Jamel, Martin/Martine
    (mute ``e``), Said/Saad (same consonant skeleton: accepted). Different keys:
    Dupont/Durand, Karim/Kamel, Karim/Karima, Mohamed/Mahmoud/Mehdi/Mamadou,
    Abdelkrim/Abdelkarim (the vowel count differs). Final ``s`` is kept (Younes, Idris), so
    Georges/George differ. Never raises; ``None`` when there is no letter.
    """
    text = as_text(s)
    if text is None:
        return None
    if "ç" in text or "Ç" in text:
        text = text.replace("ç", "s").replace("Ç", "s")
    folded = fold(text)
    return _phonetic(folded) if folded else None


# --- full-name splitting -----------------------------------------------------------------
_LETTER = re.compile(r"[^\W\d_]")


def _is_particle(token: str) -> bool:
    folded = fold(token)
    return folded is not None and folded in PARTICLES


def _is_upper(token: str) -> bool:
    """A surname-looking token: at least two letters, all upper case."""
    return token.isupper() and len(_LETTER.findall(token)) >= 2


def _join(tokens: list[str]) -> str | None:
    return " ".join(tokens) or None


def _split_by_case(tokens: list[str]) -> tuple[list[str], list[str]] | None:
    """``(first, last)`` tokens when upper-case tokens mark the surname, else ``None``."""
    upper = [_is_upper(t) for t in tokens]
    particle = [not up and _is_particle(t) for t, up in zip(tokens, upper)]
    if not any(upper) or all(up or p for up, p in zip(upper, particle)):
        return None
    is_last = list(upper)
    # a particle goes with the next non-particle token, or the previous one at the end
    for i in range(len(tokens)):
        if particle[i]:
            j = next((k for k in range(i + 1, len(tokens)) if not particle[k]), None)
            if j is None:
                j = next((k for k in range(i - 1, -1, -1) if not particle[k]), None)
            is_last[i] = j is not None and upper[j]
    first = [t for t, last in zip(tokens, is_last) if not last]
    last = [t for t, last in zip(tokens, is_last) if last]
    return first, last


def _split_positional(tokens: list[str], order: str) -> tuple[list[str], list[str]]:
    if len(tokens) == 1:
        return [], tokens
    if order == "last_first":
        i = 0
        while i < len(tokens) - 1 and _is_particle(tokens[i]):
            i += 1
        i = min(i + 1, len(tokens) - 1)
        return tokens[i:], tokens[:i]
    i = len(tokens) - 1
    while i > 1 and _is_particle(tokens[i - 1]):
        i -= 1
    return tokens[:i], tokens[i:]


def split_full_name(s: str | None, order: str = "auto") -> tuple[str | None, str | None]:
    """Split a full name into ``(first_name, last_name)``, original case, spaces trimmed.

    ``"Nom, Prénom"`` (a comma) is always surname first. Otherwise ``order`` says:

    * ``"last_first"`` (police convention ``"NOM Prénom"``): an upper-case run at the start is
      the surname (``"BEN ALI Mohamed"`` -> ``("Mohamed", "BEN ALI")``); if case tells nothing,
      the first token plus the particles before it (``"de la fontaine jean"``).
    * ``"first_last"``: mirror image (``"Jean-Pierre de la Fontaine"``).
    * ``"auto"``: tokens in upper case (two letters or more) are the surname wherever they
      are, particles join the token they precede; with no case signal, ``first_last``.

    A single token is taken as a surname. Never raises; ``(None, None)`` for empty input.
    """
    text = as_text(s)
    if text is None:
        return None, None
    if "," in text:
        last_part, _, first_part = text.partition(",")
        last_tokens = [t for t in last_part.split() if fold(t)]
        first_tokens = [t for t in first_part.replace(",", " ").split() if fold(t)]
        return _join(first_tokens), _join(last_tokens)
    tokens = [t for t in text.split() if fold(t)]
    if not tokens:
        return None, None
    by_case = _split_by_case(tokens) if len(tokens) > 1 else None
    if order == "auto":
        first, last = by_case if by_case else _split_positional(tokens, "first_last")
    elif order in ("last_first", "first_last"):
        consistent = by_case is not None and by_case[1] == (
            tokens[: len(by_case[1])] if order == "last_first" else tokens[len(tokens) - len(by_case[1]):])
        first, last = by_case if consistent and by_case else _split_positional(tokens, order)
    else:
        raise ValueError(f"unknown name order {order!r} (auto, last_first, first_last)")
    return _join(first), _join(last)


# --- full-name splitting, many values at once --------------------------------------------
_UP = "A-ZÀ-ÖØ-Þ"
_LOW = "a-zß-öø-ÿ"
_SURNAME = f"[{_UP}](?:[{_UP}'-]*[{_UP}])"          # upper case, two letters or more
_GIVEN = f"[{_UP}][{_LOW}]+(?:-[{_UP}][{_LOW}]+)*"    # Capitalized, hyphenated parts
#: The common forms: an upper-case surname run then given names ("BEN ALI Mohamed"), or the
#: mirror ("Jean-Pierre DUPONT"); Latin-1 letters, single spaces, nothing else.
_SURNAME_FIRST = re.compile(f"^(?P<last>{_SURNAME}(?: {_SURNAME})*) (?P<first>{_GIVEN}(?: {_GIVEN})*)$")
_SURNAME_LAST = re.compile(f"^(?P<first>{_GIVEN}(?: {_GIVEN})*) (?P<last>{_SURNAME}(?: {_SURNAME})*)$")
_PARTICLE_TOKEN = re.compile("(?:^| )(?:" + "|".join(sorted(PARTICLES)) + ")(?= |$)")


def split_full_names(values: list, order: str = "auto") -> tuple[list, list]:
    """``split_full_name`` of many values: ``(first names, last names)``, same results.

    The common forms (see ``_SURNAME_FIRST``) whose given names hold no particle are split by
    one regular expression over all values; the others go through ``split_full_name``.
    """
    if order not in ("auto", "last_first", "first_last"):
        raise ValueError(f"unknown name order {order!r} (auto, last_first, first_last)")
    texts = pd.Series(values, dtype=object)
    texts = texts.where(texts.map(type) == str, None).astype("string")
    firsts = np.full(len(texts), None, dtype=object)
    lasts = np.full(len(texts), None, dtype=object)
    done = np.zeros(len(texts), dtype=bool)
    forms = [_SURNAME_FIRST] if order == "last_first" else [_SURNAME_LAST] if order == "first_last" \
        else [_SURNAME_FIRST, _SURNAME_LAST]
    for form in forms:
        parts = texts[~done].str.extract(form)
        ok = parts["first"].notna()
        # a given name that is a particle ("Ben", "Dé") changes the split: left to the scalar path
        folded = pd.Series(fold_many(parts.loc[ok, "first"].tolist()), index=parts.index[ok], dtype=object)
        ok[ok] = ~folded.astype("string").str.contains(_PARTICLE_TOKEN).fillna(True).to_numpy(bool)
        rows = parts.index[ok].to_numpy()
        firsts[rows] = parts.loc[ok, "first"].to_numpy(object)
        lasts[rows] = parts.loc[ok, "last"].to_numpy(object)
        done[rows] = True
    for k in np.flatnonzero(~done):  # the uncommon forms, one call each
        firsts[k], lasts[k] = split_full_name(values[k], order=order)
    return firsts.tolist(), lasts.tolist()
