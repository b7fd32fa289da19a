"""Contact-reason search: free text (Swedish or English) -> ranked protocol ids.

Pure Python, index built once per ContentSet. See docs/triage/search.md.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Final

from vardlots.triage.model import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    ContentSet,
    Protocol,
    SearchPhrasing,
    Sex,
    Text,
    Urgency,
)

TARGET_TOP3: Final = 0.95
# A word in the titles or search terms of this share of the protocols is generic. A share, not a
# count: with 61 protocols the bar was 12, but as protocols are added a word like "feber" (the main
# word of the fever protocols) reaches any fixed count and "feber" alone would find nothing.
GENERIC_MIN_SHARE: Final = 0.2
# Words that are never evidence on their own, however many protocols use them.
ALWAYS_GENERIC: Final = frozenset({"ont", "pain", "barn", "child", "eller", "or", "efter", "after", "not",
                                    "problem", "problems", "besvar"})

_STOPWORDS: Final = frozenset("""
i och har jag min mitt mina en ett det som ar pa av med for till att om den han hon hen vi de
sen sedan igar idag nu lite mycket kan inte far vill ska blir fick gor har haft hur vad nar
the a an my is it of and in on with have has had since yesterday today for to at got from this
our his her their been be am are was very some just now me mig mej du dig oss
""".split()) | frozenset("""
hans hennes dess deras sin sitt sina vart vara ni er era dem honom henne hen hem
jo ju nog da dar dit hit har bara ocksa aven sa nagon nagot nagra nat alla allt hela
sjalv sjalva sjalvt varit bli blev blivit gjort gjorde gora kunde kunnat skulle borde
mitt ingen inget inga nagonting ingenting vilken vilket vilka varfor hur
typ liksom asa alltsa ba lol
idag igar imorse imorgon morse morgon morgonen kvall kvallen ikvall inatt forrgar
dag dagar dagen dygn dygnet vecka veckor veckan timme timmar timmen minut minuter manad manader
nyss snart fortfarande redan just gang ganger fick gick hade ser ut ner mot hos fran mer vet
sager sa gatt ga gar kommer blivit helst sig stund massa saker sak forra
down around even once every thing things anything everything something want need needs
behover behova about
i im ive id you your youre he hes she shes we they them him its that these those there here
what which who whom how why when where does did doing done can could would should will
shall may might must not no dont cant cannot wont isnt doesnt didnt get gets getting
been being so too also all any really quite lot lots much many
tiden time going go goes went gone keep keeps still kanner kanns kants feel feels feeling
think tror verkar seems
day days week weeks hour hours month months morning evening tonight ago past last
""".split())
# People named in a query are who it is about, not what it is about ("mamma 79 har kräkts",
# "my wife"); the age words ("barn", "bebis") stay, they are part of some titles.
_PERSON_WORDS: Final = frozenset("""
son sonen sonens dotter dottern dotterns mamma mamman mammas pappa pappan pappas mor far
farmor farfar mormor morfar fru frun frus man mannen maken makan sambo sambon kompis kompisen
van vannen vaninna vaninnan gubben gumman killen tjejen lillkillen lilltjejen pojken flickan
syster systern bror brorsan brodern
husband wife partner friend friends mum mom mother dad father grandma grandpa grandmother
grandfather sister brother boyfriend girlfriend
""".split())
# Words that only make the next part stronger ("jätteont", "skitont"): dropped from the front of
# a word that is not itself known.
_INTENSIFIERS: Final = ("jatte", "skit", "super", "mega", "kanon", "asa", "svin", "ultra")
_AGE_ANY_CHILD: Final = ("barn", "barnet", "child", "kid", "kids", "children", "son", "sonen",
                         "dotter", "dottern", "daughter", "toddler", "pojke", "flicka", "boy", "girl")
_AGE_INFANT: Final = ("bebis", "bebisen", "baby", "babyn", "nyfodd", "nyfodda", "newborn", "spadbarn",
                      "spadbarnet", "infant", "bäbis", "babis")
_DURATION_PREFIX: Final = frozenset({"i", "in", "for", "sedan", "since", "sen", "past", "senaste",
                                     "last"})

_NUM_UNIT: Final = re.compile(
    r"(?:(?<=\s)|^)(\d+(?:[.,]\d+)?)\s*-?\s*"
    r"(ar|ars|arig|aring|arsaldern|year|years|yr|yrs|y|"
    r"manad|manader|manaders|man|mnd|month|months|mo|"
    r"vecka|veckor|veckors|v|week|weeks|wk|"
    r"dag|dagar|dagars|day|days|d)\b(\s*-?\s*(old|gammal|gamla|gammalt))?"
)


def normalise(text: str) -> str:
    """Lower case, strip accents (å ä ö é -> a a o e), keep letters, digits and spaces."""
    t = unicodedata.normalize("NFKD", text.lower())
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    t = t.replace("ø", "o").replace("æ", "ae").replace("ß", "ss")
    return re.sub(r"[^a-z0-9]+", " ", t).strip()


def tokens(text: str) -> list[str]:
    return [t for t in normalise(text).split() if t not in _STOPWORDS and t not in _PERSON_WORDS]


_VOWELS_STEM: Final = frozenset("aeiouy")
# Inflection endings, Swedish (after the Snowball Swedish stemmer, step 1, with "-et/-ets" for
# definite neuter nouns and "-ig"/"-lig" adjectives) and English (-ing, -ed, -s, -ly), longest
# first. Removed only after the first vowel-consonant pair and when a stem of three letters stays.
_ENDINGS: Final = tuple(sorted(set("""
heterna hetens anden heten heter arnas ernas ornas andes arens andet arna erna orna ande arne
aste aren ades erns ade are ern ens het ast ad en ar er or as es at a e s et ets
ande ades aste ade ad igt iga ig lig liga ligt ts t
ings ing ed ies ly
""".split()), key=lambda e: (-len(e), e)))
_UNDOUBLE: Final = frozenset({"dd", "gd", "nn", "dt", "gt", "kt", "tt"})  # Snowball step 2
_S_ENDING_OK: Final = frozenset("bcdfghjklmnoprtvy")


def stem(word: str) -> str:
    """A light inflection stem for Swedish and English words, applied alike to the index and the
    query, so that "vrickade"/"vrickat"/"vrickad", "bajsat"/"bajsa", "coughing"/"coughs" and
    "kisset"/"kiss" meet. Not a dictionary: two words with one stem are only treated as alike."""
    if len(word) < 5 or not word.isalpha():
        return word
    r1 = len(word)
    for i in range(1, len(word)):
        if word[i - 1] in _VOWELS_STEM and word[i] not in _VOWELS_STEM:
            r1 = max(i + 1, 3)
            break
    for e in _ENDINGS:
        if word.endswith(e) and len(word) - len(e) >= r1:
            if e == "s" and word[-2] not in _S_ENDING_OK:
                continue
            word = word[: -len(e)]
            break
    if word[-2:] in _UNDOUBLE:
        word = word[:-1]
    return word


@dataclass(frozen=True)
class AgeHint:
    """An age (range, days) parsed from a query."""

    lo: int
    hi: int | None  # exclusive, None = open
    text: str

    def overlaps(self, p: Protocol) -> bool:
        a_lo, a_hi = p.ages.from_days, p.ages.to_days
        return (a_hi is None or self.lo < a_hi) and (self.hi is None or a_lo < self.hi)


def parse_age_phrase(text: str) -> tuple[AgeHint | None, str]:
    """Find a simple age phrase ("barn 2 år", "3 månader", "bebis", "my 4 year old").

    Returns the age hint and the text with the age phrase removed. A number with a unit right
    after "i/in/for/sedan/since" is a duration ("feber i 3 dagar"), not an age; days and weeks
    count as an age only with "old"/"gammal" or a baby/child word nearby.
    """
    norm = normalise(text)
    words = norm.split()
    child_word = any(w in _AGE_ANY_CHILD for w in words)
    infant_word = any(w in _AGE_INFANT for w in words)
    for m in _NUM_UNIT.finditer(norm):
        before = norm[: m.start()].split()
        if before and before[-1] in _DURATION_PREFIX:
            continue
        n = float(m.group(1).replace(",", "."))
        unit = m.group(2)
        old = bool(m.group(3))
        if unit in ("ar", "ars", "arig", "aring", "arsaldern", "year", "years", "yr", "yrs", "y"):
            days = round(n * DAYS_PER_YEAR)
            span = round(DAYS_PER_YEAR)
        elif unit in ("manad", "manader", "manaders", "man", "mnd", "month", "months", "mo"):
            days = round(n * DAYS_PER_MONTH)
            span = round(DAYS_PER_MONTH)
        elif old or infant_word or child_word or unit in ("veckors", "dagars"):
            if unit in ("vecka", "veckor", "veckors", "v", "week", "weeks", "wk"):
                days, span = round(n * 7), 7
            else:
                days, span = round(n), 1
        else:
            continue
        rest = (norm[: m.start()] + " " + norm[m.end():]).strip()
        return AgeHint(days, days + span, m.group(0).strip()), rest
    if infant_word:
        return AgeHint(0, round(DAYS_PER_YEAR), "infant"), norm
    if child_word:
        return AgeHint(0, round(16 * DAYS_PER_YEAR), "child"), norm
    return None, norm


def _damerau_levenshtein(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, returning limit+1 when it exceeds `limit`."""
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        best = cur[0]
        ai = a[i - 1]
        for j in range(1, lb + 1):
            cost = 0 if ai == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            best = min(best, v)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[lb]


_VOWELS: Final = frozenset("aeiouy")


def _consonant_swap(a: str, b: str) -> bool:
    """One consonant replaced by another ("snarkar"/"sparkar"): more often another word than a
    typo, so it matches more weakly than a dropped, doubled, swapped or vowel-changed letter."""
    if len(a) != len(b):
        return False
    diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return len(diff) == 1 and diff[0][0] not in _VOWELS and diff[0][1] not in _VOWELS


def _trigrams(t: str) -> set[str]:
    s = f"  {t} "
    return {s[i:i + 3] for i in range(len(s) - 2)}


@dataclass(frozen=True)
class SearchHit:
    protocol_id: str
    score: float
    title: Text
    specific: float = 0.0  # best similarity of a query word to a non-generic word of the protocol
    coverage: float = 0.0  # share of the query (IDF-weighted) that matched words of the protocol

    def to_dict(self) -> dict[str, Any]:
        return {"protocol": self.protocol_id, "score": round(self.score, 4),
                "title": self.title.to_dict()}


@dataclass
class _Phrase:
    protocol: str
    tokens: tuple[str, ...]
    weight: float


class ProtocolSearch:
    """An index over protocol titles, search terms and finding synonyms."""

    def __init__(self, content: ContentSet) -> None:
        self.content = content
        self.phrases: list[_Phrase] = []
        for p in content.protocols.values():
            self._add(p.id, p.title.sv, 1.0)
            self._add(p.id, p.title.en, 1.0)
            for t in (*p.search_terms_sv, *p.search_terms_en):
                self._add(p.id, t, 1.0)
            if p.description:
                self._add(p.id, p.description.sv, 0.35)
                self._add(p.id, p.description.en, 0.35)
            seen: set[str] = set()
            for r in p.rules:
                for f in r.when.findings:
                    if f in seen:
                        continue
                    seen.add(f)
                    fd = content.findings.get(f)
                    if fd is None:
                        continue
                    for s in (*fd.synonyms_sv, *fd.synonyms_en, fd.label.sv, fd.label.en):
                        self._add(p.id, s, 0.45)
        # token -> protocols (for idf) and vocabulary index
        df: dict[str, set[str]] = defaultdict(set)
        for ph in self.phrases:
            for t in ph.tokens:
                df[t].add(ph.protocol)
        n = max(len(content.protocols), 1)
        self.idf: dict[str, float] = {t: math.log(1 + n / len(ps)) for t, ps in df.items()}
        self.default_idf = math.log(1 + n)
        # generic words: in the titles or search terms of many protocols ("ont", "barn", "pain")
        primary: dict[str, set[str]] = defaultdict(set)
        for ph in self.phrases:
            if ph.weight >= 0.9:
                for t in ph.tokens:
                    primary[t].add(ph.protocol)
        min_protocols = max(12, math.ceil(GENERIC_MIN_SHARE * n))
        generic = {t for t, ps in primary.items() if len(ps) >= min_protocols or t in ALWAYS_GENERIC}
        # the inflections of a generic word are generic too ("barn"/"barnet"/"barnen")
        generic_stems = {stem(t) for t in generic | ALWAYS_GENERIC}
        self.generic: frozenset[str] = frozenset(
            generic | {t for t in df if stem(t) in generic_stems})
        self.vocab = sorted(df)
        self.by_stem: dict[str, list[str]] = defaultdict(list)
        for t in self.vocab:
            self.by_stem[stem(t)].append(t)
        self.trigram_index: dict[str, list[str]] = defaultdict(list)
        for t in self.vocab:
            for g in _trigrams(t):
                self.trigram_index[g].append(t)
        self.by_token: dict[str, list[int]] = defaultdict(list)
        for i, ph in enumerate(self.phrases):
            for t in set(ph.tokens):
                self.by_token[t].append(i)
        self._match_cache: dict[str, dict[str, float]] = {}

    def _add(self, pid: str, text: str, weight: float) -> None:
        toks = tuple(tokens(text))
        if toks:
            self.phrases.append(_Phrase(pid, toks, weight))
            joined = "".join(toks)
            # "ont i halsen" also as "onthalsen"-like compound; not a whole sentence
            if 1 < len(toks) <= 3 and len(joined) >= 6:
                self.phrases.append(_Phrase(pid, (joined,), weight * 0.9))

    def _matches(self, q: str) -> dict[str, float]:
        """Vocabulary tokens similar to query token `q`, with a similarity in (0, 1]."""
        cached = self._match_cache.get(q)
        if cached is not None:
            return cached
        out: dict[str, float] = {}
        if q in self.idf:
            out[q] = 1.0
        sq = stem(q)
        if len(sq) >= 4:  # a short stem is too often two words ("kolla"/"kol")
            for t in self.by_stem.get(sq, ()):
                if t != q:
                    out[t] = STEM_SIMILARITY
        cands: dict[str, int] = defaultdict(int)
        for g in _trigrams(q):
            for t in self.trigram_index.get(g, ()):
                cands[t] += 1
        lq = len(q)
        for t, shared in cands.items():
            if t == q or t in out:
                continue
            lt = len(t)
            s = 0.0
            if min(lq, lt) >= 4 and (t.startswith(q) or q.startswith(t)):
                s = 0.85 if min(lq, lt) / max(lq, lt) >= 0.6 else 0.75
            elif lt >= 4 and t in q:
                s = 0.75 * (lt / lq) ** 0.3
            elif lq >= 4 and q in t:
                s = 0.7
            if s < 0.7 and lq >= 4 and shared >= max(1, (min(lq, lt) - 2) // 2):
                limit = 1 if max(lq, lt) < 8 else 2
                d = _damerau_levenshtein(q, t, limit)
                if d <= limit:
                    s = max(s, (0.7 if _consonant_swap(q, t) else 0.8) if d == 1 else 0.65)
            if s > 0:
                out[t] = s
        if len(self._match_cache) < 50_000:
            self._match_cache[q] = out
        return out

    def query_tokens(self, text: str) -> list[str]:
        """The words of a (normalised) query that can say what it is about: no stop words, person
        words or numbers; an intensifier dropped from the front of an unknown word ("jätteont" ->
        "ont")."""
        out: list[str] = []
        for t in tokens(text):
            if not t.isalpha():
                continue
            if t not in self.idf:
                for pre in _INTENSIFIERS:
                    if t.startswith(pre) and len(t) - len(pre) >= 3:
                        t = t[len(pre):]
                        break
                if t in _STOPWORDS:
                    continue
            out.append(t)
        return out

    def rank(self, text: str, age_days: int | None = None, sex: Sex | None = None) -> list[SearchHit]:
        """Every protocol any query word touches, best first, with the evidence for it; no
        confidence bar (see `search`). Used by `search` and by the report's analysis."""
        hint, rest = parse_age_phrase(text)
        if age_days is not None:
            hint = AgeHint(age_days, age_days + 1, "age")
        qtoks = self.query_tokens(rest)
        if not qtoks:
            return []
        qmatches = [self._matches(q) for q in qtoks]
        q_idf = [self.idf.get(q, max((self.idf.get(t, 0) for t in m), default=self.default_idf))
                 for q, m in zip(qtoks, qmatches, strict=True)]
        q_total = sum(q_idf) or 1.0
        known = [q in self.idf for q in qtoks]
        candidates: set[int] = set()
        for m in qmatches:
            for t in m:
                candidates.update(self.by_token.get(t, ()))
        scores: dict[str, float] = defaultdict(float)
        best: dict[str, float] = defaultdict(float)
        # evidence: per protocol, per query word, the best similarity to a non-generic word of
        # any of its phrases
        specific: dict[str, list[float]] = {}
        covered: dict[str, list[float]] = {}
        # per protocol and query word, the best similarity weighted by the phrase's weight
        wcovered: dict[str, list[float]] = {}
        for i in candidates:
            ph = self.phrases[i]
            total = 0.0
            got = 0.0
            used_q: list[float] = [0.0] * len(qtoks)
            spec = specific.setdefault(ph.protocol, [0.0] * len(qtoks))
            cov = covered.setdefault(ph.protocol, [0.0] * len(qtoks))
            wcov = wcovered.setdefault(ph.protocol, [0.0] * len(qtoks))
            pw = min(1.0, ph.weight)
            for t in ph.tokens:
                w = self.idf.get(t, self.default_idf)
                total += w
                bm = 0.0
                generic = t in self.generic
                for k, m in enumerate(qmatches):
                    s = m.get(t, 0.0)
                    if s > bm:
                        bm = s
                    if s > used_q[k]:
                        used_q[k] = s
                    # a known word is no typo: only its exact match is evidence for a protocol
                    if not generic and s > spec[k] and (s >= STEM_SIMILARITY or not known[k]):
                        spec[k] = s
                    if s > cov[k]:
                        cov[k] = s
                    if s * pw > wcov[k]:
                        wcov[k] = s * pw
                got += w * bm
            phrase_cov = got / total if total else 0.0
            query_cov = sum(u * w for u, w in zip(used_q, q_idf, strict=True)) / q_total
            s = ph.weight * (0.55 * phrase_cov + 0.45 * query_cov)
            if phrase_cov >= 0.999:
                s += 0.1 * ph.weight
            pid = ph.protocol
            if s > best[pid]:
                best[pid] = s
            scores[pid] += s
        ranked: dict[str, float] = {}
        for pid, b in best.items():
            ranked[pid] = b + 0.05 * min(scores[pid] - b, 2.0)
            # the whole protocol's words against the whole query: a long query ("trampade snett i
            # fotbollen och fotleden är blå") matches parts of several phrases
            wq = sum(u * w for u, w in zip(wcovered[pid], q_idf, strict=True)) / q_total
            ranked[pid] = max(ranked[pid], PROTO_MIX * b + (1 - PROTO_MIX) * wq)
        # age / sex filter: map family members to the member that applies
        out: dict[str, tuple[float, float, float]] = {}
        for pid, s in ranked.items():
            p = self.content.protocols[pid]
            target = self._apply_filters(p, hint, sex)
            if target is None:
                continue
            sp = max(specific[pid])
            qc = sum(u * w for u, w in zip(covered[pid], q_idf, strict=True)) / q_total
            if s > out.get(target.id, (0.0, 0.0, 0.0))[0]:
                out[target.id] = (s, sp, qc)
        hits = sorted(out.items(), key=lambda kv: (-kv[1][0], kv[0]))
        return [SearchHit(pid, s, self.content.protocols[pid].title, sp, qc)
                for pid, (s, sp, qc) in hits]

    def search(self, text: str, age_days: int | None = None, sex: Sex | None = None,
               limit: int = 5) -> list[SearchHit]:
        """The hits that clear the confidence bar (`is_confident`), the safer first among hits that
        score alike (`safety_order`), at most `limit`. Empty means nothing fits."""
        return safety_order(self.content, confident(self.rank(text, age_days, sex)))[:limit]

    def find(self, text: str, age_days: int | None = None, sex: Sex | None = None,
             limit: int = 5) -> SearchOutcome:
        """`search`, plus what every door offers when nothing fits: "Andra besvär" (the general
        protocol, for this age and sex when known) and the chance to describe it again."""
        hits = self.search(text, age_days, sex, limit) if text and text.strip() else []
        fallback = self.content.protocols.get(FALLBACK_PROTOCOL)
        if fallback is not None and age_days is not None and sex is not None:
            fallback = self.content.resolve_protocol(FALLBACK_PROTOCOL, age_days, sex)
        return SearchOutcome(tuple(hits), nothing_fits=bool(text and text.strip()) and not hits,
                             fallback=fallback.id if fallback is not None else None)

    def _apply_filters(self, p: Protocol, hint: AgeHint | None, sex: Sex | None) -> Protocol | None:
        def ok(x: Protocol) -> bool:
            return (hint is None or hint.overlaps(x)) and (sex is None or sex in x.sexes)

        if ok(p):
            return p
        if p.family:
            members = [m for m in self.content.family_members(p.family) if ok(m)]
            if members:
                return members[0]
        return None


def search_index(content: ContentSet) -> ProtocolSearch:
    """The (cached) search index for a content set."""
    idx = content._cache.get("search_index")
    if not isinstance(idx, ProtocolSearch):
        idx = ProtocolSearch(content)
        content._cache["search_index"] = idx
    return idx


# --- the confidence bar and the safety order (docs/triage/search.md, decision 0019) --------------

MIN_SCORE: Final = 0.65          # absolute floor
MIN_SHARE_OF_BEST: Final = 0.7   # relative floor: of the best hit's score
# A protocol's score is also at least PROTO_MIX x its best phrase + (1 - PROTO_MIX) x how much of the
# query the words of all its phrases cover (weighted by the phrases' weights).
PROTO_MIX: Final = 0.3
STEM_SIMILARITY: Final = 0.9    # two words with one inflection stem ("vrickade"/"vrickat")
MIN_SPECIFIC: Final = 0.9        # a non-generic query word matched this well: exactly or by its
#                                  inflection stem; a prefix, typo or compound fragment alone is no
#                                  evidence (they still add to the score)
SAFETY_MARGIN: Final = 0.05      # hits within this of the best of their group count as alike
FALLBACK_PROTOCOL: Final = "general"
NOTHING: Final = "none"          # `expected: none` in a phrasing file: no protocol fits


@dataclass(frozen=True)
class SearchOutcome:
    hits: tuple[SearchHit, ...]
    nothing_fits: bool
    fallback: str | None  # the general protocol ("Andra besvär") for this person, when it exists


def is_confident(hit: SearchHit, best: float) -> bool:
    """A hit is shown only when its score clears the absolute and the relative floor and at least
    one query word that is not generic matched a word of that protocol's phrases well."""
    return hit.score >= MIN_SCORE and hit.score >= MIN_SHARE_OF_BEST * best \
        and hit.specific >= MIN_SPECIFIC


def confident(hits: list[SearchHit]) -> list[SearchHit]:
    if not hits:
        return []
    best = hits[0].score
    return [h for h in hits if is_confident(h, best)]


def worst_urgency(p: Protocol) -> Urgency:
    """The most urgent outcome a protocol can give (its rules and its default)."""
    levels = [r.urgency for r in p.rules] + ([p.default.urgency] if p.default is not None else [])
    return min(levels, key=lambda u: u.rank, default=Urgency.P5)


def safety_order(content: ContentSet, hits: list[SearchHit]) -> list[SearchHit]:
    """Never hide a safer protocol: hits are taken in score order in groups, a group being a hit
    and every following hit within SAFETY_MARGIN of it; inside a group the protocol whose worst
    outcome is more urgent comes first, then the higher score, then the id."""
    ordered = sorted(hits, key=lambda h: (-h.score, h.protocol_id))
    out: list[SearchHit] = []
    i = 0
    while i < len(ordered):
        top = ordered[i].score
        j = i
        while j < len(ordered) and top - ordered[j].score <= SAFETY_MARGIN:
            j += 1
        group = ordered[i:j]
        group.sort(key=lambda h: (worst_urgency(content.protocols[h.protocol_id]).rank, -h.score,
                                  h.protocol_id))
        out.extend(group)
        i = j
    return out


OFFERED_LIMIT: Final = 3


def offered_for_words(content: ContentSet, text: str, age_days: int, sex: Sex) -> tuple[str, ...]:
    """The contact reasons the search offers for what the person wrote, for their age and sex: the
    hits that clear the confidence bar (a weak hit is never offered as "Gäller det dig: …?"), at
    most OFFERED_LIMIT. The engine asks about each that is not part of the assessment
    (TriageInput.offered)."""
    if not text or not text.strip():
        return ()
    hits = search_index(content).search(text, age_days=age_days, sex=sex, limit=OFFERED_LIMIT)
    return tuple(h.protocol_id for h in hits)


# --- the report ----------------------------------------------------------------------------------

@dataclass
class SearchReport:
    """Top-1 / top-3 over phrasings that expect an existing protocol; separately, the phrasings
    that expect none (was "nothing fits" the answer, with no protocol shown?) and those that expect
    a protocol that does not exist (yet)."""

    name: str = "author"
    n: int = 0
    top1: int = 0
    top3: int = 0
    none_n: int = 0
    none_ok: int = 0
    missing_n: int = 0
    missing_nothing: int = 0  # of those, answered "nothing fits"
    misses: list[dict[str, Any]] = field(default_factory=list)
    none_shown: list[dict[str, Any]] = field(default_factory=list)
    missing: dict[str, int] = field(default_factory=dict)  # protocol id -> phrasings

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.n if self.n else 0.0

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.n if self.n else 0.0

    @property
    def none_rate(self) -> float:
        return self.none_ok / self.none_n if self.none_n else 0.0

    @property
    def ok(self) -> bool:
        return self.n > 0 and self.top3_rate >= TARGET_TOP3

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "top1": round(self.top1_rate, 4), "top3": round(self.top3_rate, 4),
                "target_top3": TARGET_TOP3,
                "none": {"n": self.none_n, "nothing_fits": self.none_ok,
                         "rate": round(self.none_rate, 4), "shown": self.none_shown},
                "protocol_missing": {"n": self.missing_n, "nothing_fits": self.missing_nothing,
                                     "protocols": dict(sorted(self.missing.items()))},
                "misses": self.misses}

    def format(self) -> str:
        lines = [f"Phrasings expecting a protocol: {self.n}",
                 f"Top-1 hit rate: {self.top1_rate:.1%}",
                 f"Top-3 hit rate: {self.top3_rate:.1%}  (target {TARGET_TOP3:.0%})",
                 f"Phrasings expecting none: {self.none_n}; answered \"nothing fits\" with no "
                 f"protocol shown: {self.none_ok} ({self.none_rate:.1%})"]
        if self.missing_n:
            lines.append(f"Protocol missing (expected a protocol that does not exist): "
                         f"{self.missing_n} phrasings for {len(self.missing)} protocols; answered "
                         f"\"nothing fits\": {self.missing_nothing}")
            lines.append("  " + ", ".join(f"{k} ({v})" for k, v in sorted(self.missing.items())))
        if self.misses:
            lines.append("Misses (not in top 3):")
            for m in self.misses:
                lines.append(f"  {m['text']!r} expected {m['expected']}, got {', '.join(m['got']) or '-'}"
                             f" [{m['file']}]")
        if self.none_shown:
            lines.append("Expected none, but protocols were shown:")
            for m in self.none_shown:
                lines.append(f"  {m['text']!r} got {', '.join(m['got'])} [{m['file']}]")
        return "\n".join(lines)


def search_report(content: ContentSet, phrasings: tuple[SearchPhrasing, ...] | None = None,
                  name: str = "author") -> SearchReport:
    """Run `phrasings` (default: the author phrasings in content/search/*.yaml) through `search`."""
    idx = search_index(content)
    rep = SearchReport(name=name)
    for ph in content.search_phrasings if phrasings is None else phrasings:
        ids = [h.protocol_id for h in idx.search(ph.text, age_days=ph.age_days, sex=ph.sex, limit=3)]
        where = {"text": ph.text, "expected": ph.expected, "got": ids, "file": ph.location.file}
        if ph.expected == NOTHING:
            rep.none_n += 1
            if ids:
                rep.none_shown.append(where)
            else:
                rep.none_ok += 1
            continue
        if ph.expected not in content.protocols:
            rep.missing_n += 1
            rep.missing_nothing += not ids
            rep.missing[ph.expected] = rep.missing.get(ph.expected, 0) + 1
            continue
        rep.n += 1
        if ids[:1] == [ph.expected]:
            rep.top1 += 1
        if ph.expected in ids:
            rep.top3 += 1
        else:
            rep.misses.append(where)
    return rep
