"""Companies: SIREN / SIRET numbers (checked with python-stdnum) and comparable names.

``normalize_company_name`` folds the name and removes, as whole words anywhere:

* legal forms (``LEGAL_FORMS``): French SARL, SAS, SASU, EURL, SA, SCI, SNC, SCP, SCM, SCS, SCA,
  SELARL, SELAS, SELAFA, SELCA, SELEURL, SCOP, SCIC, GIE, GAEC, EARL, EI, EIRL, micro- and
  auto-entrepreneur, and foreign forms met in cross-border files (SL, SLU, SRL, SPRL, BV,
  BVBA, NV, GmbH, Ltd, LLC, Inc, PLC), in dotted (``S.A.R.L.``) or spelled-out form
  (``société à responsabilité limitée``). Forms that are also common words or initials
  (SEL, SEM, SEP, SpA, AG) are deliberately left out: ``Le Grain de Sel`` keeps its ``sel``;
* company words (``societe``/``ste``/``sté``, ``ets``/``etablissement(s)``, ``entreprise``);
* ``&`` is read as ``et`` (``Martin & Fils`` = ``Martin et Fils``);
* ``cie``, with the ``et``/``&``/``and`` before it (``Dupont et Cie`` -> ``dupont``); the
  full word ``compagnie`` is kept, it is usually part of the trading name (``Compagnie des
  Bateaux``);
* misspelt, glued or spaced-out forms: a spelled-out form may lose its spaces or the last
  letters of a long word (``Société civileimmobilière``, ``responsabilité limité``), a form
  in initials may be split into one- or two-letter words (``E.U.RL..``, ``S A R L``), and a
  space shifted one letter left (``StéB âtiment``: a capital glued to the end of a word, then
  a word in lower case) is put back (``Sté Bâtiment``), and so is one between a form in capitals
  and the capitalized name glued to it (``S.A.R.LNord`` -> ``S.A.R.L Nord``, ``SASUL'Atelier``);
* then one leading article (``le``, ``la``, ``les``, ``l'``, ``the``), also glued to a capitalized
  word (``LeFournil``): ``LE FOURNIL`` -> ``fournil``.

If nothing would be left (a company literally named ``SAS``), the folded name is returned.
"""
from __future__ import annotations

import re
from functools import lru_cache

from stdnum import luhn
from stdnum.exceptions import InvalidChecksum
from stdnum.fr import siren as _siren
from stdnum.fr import siret as _siret

from linkgraph.normalize.errors import NormalizationError
from linkgraph.normalize.text import as_text, fold, show

_NUMBER_SEPARATORS = re.compile(r"[\s.\-_/]+")


def _digits(text: str, length: int, what: str) -> str:
    number = _NUMBER_SEPARATORS.sub("", text)
    if not number.isascii() or not number.isdigit() or len(number) != length:
        raise NormalizationError(f"{what} must have {length} digits: {show(text)}")
    return number


def normalize_siren(s: str | None) -> str | None:
    """9-digit SIREN (spaces, dots and dashes allowed in input); Luhn checked."""
    text = as_text(s)
    if text is None:
        return None
    number = _digits(text, 9, "SIREN")
    if not _siren.is_valid(number):
        raise NormalizationError("SIREN checksum failed")
    return number


def normalize_siret(s: str | None) -> str | None:
    """14-digit SIRET; Luhn checked (La Poste ``356000000…`` establishments: digit sum % 5)."""
    text = as_text(s)
    if text is None:
        return None
    number = _digits(text, 14, "SIRET")
    try:
        _siret.validate(number)
    except InvalidChecksum:
        try:
            luhn.validate(number[:9])
        except InvalidChecksum:
            raise NormalizationError("SIRET checksum failed (SIREN part)") from None
        raise NormalizationError("SIRET checksum failed") from None
    return number


def siren_of_siret(siret: str | None) -> str | None:
    """The SIREN (first 9 digits) of a SIRET, after checking the SIRET."""
    number = normalize_siret(siret)
    return None if number is None else number[:9]


#: Folded legal-form token or phrase -> canonical legal form.
LEGAL_FORMS: dict[str, str] = {
    "sarl": "SARL", "sas": "SAS", "sasu": "SASU", "eurl": "EURL", "sa": "SA", "sci": "SCI",
    "snc": "SNC", "scp": "SCP", "scm": "SCM", "scs": "SCS", "sca": "SCA", "selarl": "SELARL",
    "selas": "SELAS", "selafa": "SELAFA", "selca": "SELCA", "seleurl": "SELEURL", "scop": "SCOP",
    "scic": "SCIC", "gie": "GIE", "gaec": "GAEC",
    "earl": "EARL", "ei": "EI", "eirl": "EIRL", "micro entreprise": "EI", "microentreprise": "EI",
    "auto entrepreneur": "EI", "autoentrepreneur": "EI", "micro entrepreneur": "EI",
    "societe a responsabilite limitee": "SARL",
    "entreprise unipersonnelle a responsabilite limitee": "EURL",
    "societe par actions simplifiee unipersonnelle": "SASU", "societe par actions simplifiee": "SAS",
    "societe anonyme": "SA", "societe civile immobiliere": "SCI", "societe en nom collectif": "SNC",
    "societe civile professionnelle": "SCP", "societe civile de moyens": "SCM",
    "societe cooperative et participative": "SCOP",
    "societe cooperative ouvriere de production": "SCOP",
    "entreprise individuelle a responsabilite limitee": "EIRL", "entreprise individuelle": "EI",
    "groupement d interet economique": "GIE",
    "sl": "SL", "slu": "SLU", "srl": "SRL", "sprl": "SPRL", "bv": "BV", "bvba": "BVBA", "nv": "NV",
    "gmbh": "GmbH", "ltd": "Ltd", "limited": "Ltd", "llc": "LLC", "inc": "Inc", "plc": "PLC",
    "sociedad limitada": "SL",
}
#: Words that only say "this is a company": removed from names, not a legal form.
COMPANY_WORDS: frozenset[str] = frozenset({
    "societe", "ste", "ets", "etablissement", "etablissements", "entreprise", "entreprises", "unipersonnelle",
})
_ARTICLES = frozenset({"le", "la", "les", "l", "the"})
_LEGAL_RE = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, LEGAL_FORMS), key=len, reverse=True)) + r")\b")


def _loose_phrase(phrase: str) -> str:
    """A spelled-out form as a pattern that forgives glued words (``civileimmobiliere``) and a
    misspelt ending of a long word (``limite`` for ``limitee``)."""
    words = [re.escape(w[:-2]) + r"[a-z]{0,3}" if len(w) >= 7 else re.escape(w) for w in phrase.split()]
    return r"\s*".join(words)


_DROP_RE = re.compile(
    r"\b(?:" + "|".join(sorted([_loose_phrase(f) for f in LEGAL_FORMS if " " in f]
                               + [re.escape(w) for w in [*LEGAL_FORMS, *COMPANY_WORDS] if " " not in w],
                               key=len, reverse=True))
    + r"|(?:et|and)?\s*cie)\b")
#: Legal forms written as initials (``eurl``), to find among short words (``e u rl``).
_ACRONYMS = frozenset(f for f in LEGAL_FORMS if " " not in f and len(f) <= 6)
#: A space shifted one letter to the left: ``StéB âtiment`` (a capital glued to the end of a
#: word, then a word in lower case) is ``Sté Bâtiment``.
_SHIFTED_SPACE = re.compile(r"(?<=[^\W\d_])(?<![A-Z])([A-ZÀ-ÖØ-Þ])\s+(?=[a-zß-öø-ÿ])")
#: Dotted acronyms (``S.A.R.L.``, ``S. A. S.``): dots and inner spaces removed before folding.
#: (Not the initial of the next word's elision: ``S.A.R.L. L'Atelier`` is ``SARL L'Atelier``.)
_DOTTED = re.compile(r"(?<![^\W\d_])(?:[^\W\d_]\s?\.\s?){1,}[^\W\d_](?:\s?\.)?(?![^\W\d_]|['’])")
_SPACES = re.compile(r"\s+")
#: ``Sté``, ``Société`` or ``Ets`` with the next word's capital glued to it, whatever follows
#: (``StéG HD Électricité`` is ``Sté GHD Électricité``): no word is spelt so.
_COMPANY_WORD_SHIFT = re.compile(r"(?<![^\W\d_])(St[ée]|Soci[ée]t[ée]|Ets)([A-ZÀ-ÖØ-Þ])\s+(?=[^\W\d_]|['’])")
#: A form in dotted or spaced initials whose last letter is glued to the name (``S.C.ILES ROSES``,
#: ``E U R LKebab``, ``S.a.r.lDJM``): split after the letters when they spell a form.
_GLUED_INITIALS = re.compile(r"(?<![^\W\d_])((?:[^\W\d_]\s?\.\s?){0,4}[^\W\d_]\s?\.|(?:[^\W\d_] ){2,5})([^\W\d_])"
                             r"(?=[^\W\d_]{2})")
#: A long form glued to the name (``SARLCOIFFURE``, ``SARlTerrassement``, ``SNCPRESSING``): forms
#: no French word starts with, then a capital and three more letters or an article in capitals
#: (``SARLLE FOURNIL``; ``Sarladaise`` is a word).
_GLUED_PREFIX = re.compile(r"(?<![^\W\d_])((?i:sarl|eurl|sasu|eirl|selarl|snc))(?=[A-ZÀ-ÖØ-Þ][^\W\d_]{3}|(?:LES?|LA)\s|L['’])")
#: A legal form in capitals glued to the capitalized name after it (``S.A.R.LNord Auto``,
#: ``SASUL'Atelier``, ``SCMElectricité``): a space is put back when the capitals spell a form.
_GLUED_FORM = re.compile(r"(?<![^\W\d_])((?:[A-Z]\.?){2,6})(?=[A-ZÀ-Þ](?:[a-zß-ÿ]{2}|'))")


#: An article glued to the capitalized word after it (``LeFournil de Jean``, ``LesTilleuls``): split,
#: so that the leading article is dropped as usual (a word in capitals, ``LECLERC``, is left).
_GLUED_ARTICLE = re.compile(r"(?<![^\W\d_])(Les|Le|La)(?=[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ])")


def _initials(m: re.Match) -> str:
    letters = re.sub(r"[\s.]", "", m.group(1)) + m.group(2)
    return letters + " " if letters.lower() in _ACRONYMS else m.group(0)


def _unglue(text: str) -> str:
    text = _GLUED_INITIALS.sub(_initials, _GLUED_PREFIX.sub(r"\1 ", _COMPANY_WORD_SHIFT.sub(r"\1 \2", text)))
    text = _GLUED_ARTICLE.sub(r"\1 ", text)
    return _GLUED_FORM.sub(lambda m: m.group(1) + " " if m.group(1).replace(".", "").lower() in _ACRONYMS
                           else m.group(1), text)


def _undot(text: str) -> str:
    if "." not in text:
        return text
    return _DOTTED.sub(lambda m: " " + re.sub(r"[\s.]", "", m.group(0)) + " ", text)


def _drop_spelled_initials(text: str) -> str:
    """Remove a legal form spelled as a run of short words (``s a r l``, ``e u rl``, ``sar l``)."""
    words = text.split(" ")
    keep = [True] * len(words)
    k = 0
    while k < len(words):
        end = k
        while end < len(words) and 0 < len(words[end]) <= 3 and words[end].isalpha():
            end += 1
        for i in range(k, end - 1):  # the longest run of initials from each start
            hit = next((j for j in range(end, i + 1, -1) if "".join(words[i:j]) in _ACRONYMS and keep[i]), None)
            if hit is not None:
                keep[i:hit] = [False] * (hit - i)
        k = end + 1
    return " ".join(w for w, kept in zip(words, keep) if kept)


@lru_cache(maxsize=1 << 16)
def _company(text: str) -> str | None:
    folded = fold(_undot(_unglue(_SHIFTED_SPACE.sub(r" \1", text))).replace("&", " et "))
    if folded is None:
        return None
    stripped = _SPACES.sub(" ", _DROP_RE.sub(" ", folded)).strip()
    stripped = _drop_spelled_initials(stripped) if " " in stripped else stripped
    head, _, rest = stripped.partition(" ")
    if head in _ARTICLES and rest:
        stripped = rest
    return stripped or folded


def normalize_company_name(s: str | None) -> str | None:
    """Folded company name without legal forms, company words or leading article. Never raises.

    ``"SARL Kebab Express"``, ``"KEBAB EXPRESS SARL"``, ``"Société Kebab Express"`` and
    ``"Sté KEBAB-EXPRESS"`` all give ``"kebab express"``.
    """
    text = as_text(s)
    return None if text is None else _company(text)


def legal_form(s: str | None) -> str | None:
    """The legal form named in a company name (``"SARL"``, ``"SAS"``…), else ``None``: when it names
    several, the longest as written (``"S.A.S. SA Logistique"`` is a SAS; ``SA`` there is part of the
    name); a form glued to the name is found as :func:`normalize_company_name` finds it
    (``"S.A.SRESTAURANT LAND"``)."""
    text = as_text(s)
    folded = fold(_undot(_unglue(_SHIFTED_SPACE.sub(r" \1", text)))) if text else None
    if not folded:
        return None
    found = [m.group(0) for m in _LEGAL_RE.finditer(folded)]
    return LEGAL_FORMS[max(found, key=len)] if found else None


#: Legal forms a clerk may write for one another: a one-person SAS (SASU) or SARL (EURL) is
#: often written as the plain form, an EIRL as an EI.
FORM_FAMILIES: dict[str, str] = {"SASU": "SAS", "EURL": "SARL", "EIRL": "EI", "SELEURL": "SELARL"}


def legal_form_family(s: str | None) -> str | None:
    """The legal form a company name names (:func:`legal_form`), one-person forms read as the
    plain form (``"EURL"`` -> ``"SARL"``): what two mentions of one company agree on.

    >>> legal_form_family("KEBAB EXPRESS EURL"), legal_form_family("Sté Kebab Express")
    ('SARL', None)
    """
    form = legal_form(s)
    return FORM_FAMILIES.get(form, form) if form else None
