"""Derive the committed name-frequency tables from ``names-dataset`` (run once; not at benchmark time).

    pip download --no-deps -d /tmp/nd names-dataset==3.3.1 && cd /tmp/nd && unzip -q names_dataset-*.whl
    python benchmarks/data/derive_names.py /tmp/nd/names_dataset/v3

Source: ``names-dataset`` 3.3.1 (Philippe Remy, https://github.com/philipperemy/name-dataset,
Apache-2.0), name strings with their rank among the users of one country, their share per
country and sex, compiled from public profile names. Kept: every name ranked in France
(about 19k surnames and 17k given names, in rank order), and as a surname tail the unranked
names with a fifth of their occurrences in France, and the 8,000 most common of Morocco,
Algeria, Tunisia, Portugal and Turkey present in France. Nothing else of the source is
kept (no person, only name strings with a rank).

Each name gets a coarse origin (fr, magh, latin, waf, tr, asia, east, km) from the countries
it is most common in (weighted by how unusual that share is), overridden by the fixtures'
curated lists (``fixtures/names.py``) and a short list of West-African and Comorian names
that the source cannot place (it has no Senegal, Mali, Côte d'Ivoire or Comoros data).

Outputs (committed): ``fr_surnames.csv.gz`` (name, rank, origin; rank empty in the tail) and
``fr_given_names.csv.gz`` (name, rank, sex, origin).
"""
from __future__ import annotations

import gzip
import pickle
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from fixtures import names as N  # noqa: E402

HERE = Path(__file__).resolve().parent
REGIONS = {
    "fr": ["FR", "BE", "CH", "LU", "CA"],
    "magh": ["MA", "DZ", "TN", "LY", "EG", "SA", "AE", "IQ", "SY", "JO", "PS", "LB", "YE", "OM", "KW", "QA", "BH", "SD"],
    "latin": ["PT", "BR", "AO", "ES", "IT", "MX", "CO", "AR", "CL", "PE", "UY", "BO", "CR", "GT", "EC", "PA", "PR",
              "HN", "SV", "MT"],
    "waf": ["CM", "NG", "GH", "BF", "BI", "DJ", "ET", "HT"],
    "tr": ["TR", "AZ"],
    "asia": ["CN", "TW", "HK", "MO", "SG", "MY", "KH", "JP", "KR", "PH", "ID", "IN", "BD", "BN", "MV"],
    "east": ["RU", "PL", "KZ", "CZ", "HR", "LT", "BG", "MD", "RS", "GE", "HU", "EE", "SI", "AL", "GR", "UA"],
}
COUNTRY = {c: r for r, cs in REGIONS.items() for c in cs}
# names the source cannot place (no data for Senegal, Mali, Guinea, Côte d'Ivoire, Comoros)
WAF = ("Diallo Traore Traoré Camara Kone Koné Diop Ndiaye N'Diaye Sow Cisse Cissé Keita Keïta Sylla Toure Touré "
       "Coulibaly Konate Konaté Fofana Bamba Sissoko Diarra Doumbia Sangare Sangaré Kante Kanté Ba Fall Gueye Mbaye "
       "Sarr Faye Dembele Dembélé Soumare Soumaré Diakite Diakité Kouyate Kouyaté Cissokho Drame Dramé Sakho Balde "
       "Baldé Barry Bah Konare Sidibe Sidibé Kaba Doucoure Doucouré Tandia Timera Niang Seck Thiam Kane Dieng Ndoye "
       "Mendy Gomis Diatta Sane Sané Kouassi Yao Kamara Sy Diaby Diakhate Sissoko Dabo Magassa Tounkara Samake "
       "Samaké Ouattara Bakayoko Kourouma Conde Condé Soumah Sylla Mariko Dansoko Cisse Guindo Kanoute Kanouté "
       "Mamadou Moussa Ousmane Boubacar Abdoulaye Ibrahima Seydou Souleymane Adama Lassana Bakary Aliou Alioune "
       "Fatoumata Aminata Mariam Mariama Awa Kadiatou Assa Coumba Oumou Fanta Djeneba Djénéba Hawa Mamadi Sekou "
       "Sékou Amadou Oumar Modibo Cheikh Babacar Moussa Demba Samba Malick Mamoudou Mory Lamine Aissatou Aïssatou "
       "Ramata Binta Kadidiatou Sira Salimata Maimouna Maïmouna Bintou Nene Néné Fode Fodé Issa Ibrahim").split()
KM = ("Said Ali Ahamada Soilihi Youssouf Abdallah Attoumani Madi Houmadi Mze Mzé Msa M'Sa Ibouroi Combo Chanfi "
      "Hamadi Bacar Abdou Anli Toihir Chamsoudine Zainaba Zaïnaba Echati Anzilati Mohamed Ahmed Assani Mdahoma "
      "Boinali Saindou Halidi Soulaimana Andjilani Nassur Moindjie Ahmada Houmadi Salim Ousseni Mmadi").split()
ASIA = ("Nguyen Tran Le Pham Huynh Hoang Phan Vu Vo Dang Bui Do Ho Ngo Duong Ly Truong Dinh Lam Chen Wang Li "
        "Zhang Liu Lin Huang Wu Zhou Xu Sun Ma Zhu Hu Guo He Luo Gao Zheng Liang Xie Tang Han Cao Deng Feng Chan "
        "Wong Cheung Thi Van Minh Anh Linh Duc Thanh Tuan Hung Hai Huong Lan Mai Hoa Trang Quang Long Phuong "
        "Thu Hanh Khanh Sophal Sok Chea Meng Heng Seng Lim Tan Ong Kim Park Choi").split()
JUNK = {"Ben", "El", "Da", "De", "Le", "La", "Dos", "Van", "Abou", "Bou", "Ait", "Aït", "Mc", "Di", "Du", "Des",
        "Al", "Von", "Mr", "Mme", "Mlle", "Jr", "Sr"}
OK = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿŒœ][A-Za-zÀ-ÖØ-öø-ÿŒœ' -]*[A-Za-zÀ-ÖØ-öø-ÿ]$")
VOWEL = re.compile(r"[aeiouyàâäéèêëîïôöùûüÿœ]", re.I)


def plain(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).lower()


def good(name: str, curated: dict) -> bool:
    """A real-looking name: letters (with ' - and space), a vowel in every word, no junk particle alone,
    no nickname ('Lolo', 'Momo'), two letters only for a known name ('Ba', 'Li')."""
    if name in curated:
        return True
    if re.match(r"^(\w{1,3})\1e?$", plain(name)) or len(name) <= 2:
        return False
    if name in JUNK or not OK.match(name) or len(name) < 2:
        return False
    words = re.split(r"[ '-]", name)
    return all(len(w) >= 1 and (len(w) < 2 or VOWEL.search(w)) for w in words) and len(name) <= 30 \
        and not re.search(r"(.)\1\1", plain(name))


def region_presence(table: dict) -> dict:
    """Average share of each region over the table: a region's 'normal' presence in a top-10."""
    tot = defaultdict(float)
    for v in table.values():
        for c, s in v["country"].items():
            if c in COUNTRY:
                tot[COUNTRY[c]] += s
    n = len(table)
    return {r: tot[r] / n for r in REGIONS}


def origin(info: dict, presence: dict) -> str:
    score = defaultdict(float)
    for c, s in info["country"].items():
        if c in COUNTRY:
            score[COUNTRY[c]] += s
    if not score:
        return "fr"
    fr = score.pop("fr", 0.0)
    if not score:
        return "fr"
    score.pop("waf", None)   # Cameroon/Nigeria/Ghana hold French and English Christian names
    if not score:
        return "fr"
    r, s = max(score.items(), key=lambda x: x[1])
    # a name stays French unless another region clearly holds most of its occurrences
    return r if s >= 0.45 and s >= 2 * fr else "fr"


def _tail(info: dict) -> bool:
    """An unranked-in-France surname kept for the tail: among the 8,000 most common of a country
    whose emigrants France hosts (Maghreb, Portugal, Turkey), with some presence in France."""
    return info["country"].get("FR", 0) >= 0.02 and any(
        info["rank"].get(c, 10**9) <= 8000 for c in ("MA", "DZ", "TN", "PT", "TR"))


def curated() -> dict:
    out = {}
    for o, (_, m, f, lasts, _, _) in N.ORIGINS.items():
        o = {"pt": "latin", "km": "km", "waf": "waf", "magh": "magh", "fr": "fr"}[o]
        for group in (*m, *f, *lasts):
            for v in group:
                out.setdefault(v, o)
    for v in WAF:
        out[v] = "waf"
    for v in KM:
        out.setdefault(v, "km")
    for v in ASIA:
        out[v] = "asia"
    return out


def main(src: str) -> None:
    src = Path(src)
    cur = curated()
    last = pickle.load(gzip.open(src / "last_names.pkl.gz"))
    pres = region_presence(last)
    rows = []
    for name, info in last.items():
        name = name.strip()
        if not good(name, cur):
            continue
        rank = info["rank"].get("FR")
        if rank is None and info["country"].get("FR", 0) < 0.2 and not _tail(info):
            continue
        o = cur.get(name) if cur.get(name) in ("waf", "km", "magh", "latin", "asia") else origin(info, pres)
        rows.append((name, rank, o))
    s = pd.DataFrame(rows, columns=["name", "rank", "origin"])
    s["rank"] = s["rank"].astype("Int64")
    s = s.sort_values(["rank", "name"], na_position="last").drop_duplicates("name")
    s.to_csv(HERE / "fr_surnames.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})
    del last
    first = pickle.load(gzip.open(src / "first_names.pkl.gz"))
    pres = region_presence(first)
    rows = []
    for name, info in first.items():
        name = name.strip()
        rank = info["rank"].get("FR")
        if rank is None or not good(name, cur) or not info["gender"]:
            continue
        sex = "M" if info["gender"].get("M", 0) >= 0.5 else "F"
        o = cur.get(name) if cur.get(name) in ("waf", "km", "magh", "latin", "asia") else origin(info, pres)
        rows.append((name, rank, sex, o))
    f = pd.DataFrame(rows, columns=["name", "rank", "sex", "origin"]).sort_values("rank").drop_duplicates("name")
    f.to_csv(HERE / "fr_given_names.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})
    print(f"surnames: {len(s)} ({s['rank'].notna().sum()} ranked), by origin {s['origin'].value_counts().to_dict()}")
    print(f"given names: {len(f)}, by origin {f['origin'].value_counts().to_dict()}")


if __name__ == "__main__":
    main(sys.argv[1])
