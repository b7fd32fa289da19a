"""Load `content/` into a ContentSet.

The loader reads and validates files and builds domain objects. It collects problems instead of
stopping at the first one, so `content check` can report everything at once; `load_content`
raises `ContentError` when there is any error.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar

import jsonschema
import yaml

from vardlots.triage.expressions import Expression, ExpressionError, parse
from vardlots.triage.model import (
    AgeBand,
    CareNeed,
    Code,
    ContentSet,
    Finding,
    FindingKind,
    Location,
    Modifier,
    Option,
    Outcome,
    OutcomeForm,
    Protocol,
    Question,
    QuestionType,
    ReviewState,
    Rule,
    SearchPhrasing,
    Sex,
    Source,
    Text,
    Urgency,
    Vignette,
    parse_age,
)
from vardlots.triage.schema import schema_for

_T = TypeVar("_T")

SCREEN_ID: Final = "global_red_flags"


@dataclass(frozen=True, slots=True)
class Problem:
    severity: str  # "error" | "warning"
    file: str
    location: str
    message: str

    def __str__(self) -> str:
        loc = f" [{self.location}]" if self.location else ""
        return f"{self.severity.upper()}: {self.file}{loc}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "file": self.file, "location": self.location,
                "message": self.message}


class ContentError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        head = "\n".join(str(p) for p in errors[:20])
        more = f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} content error(s):\n{head}{more}")


_VALIDATORS: dict[str, jsonschema.protocols.Validator] = {}


def _validator(kind: str) -> jsonschema.protocols.Validator:
    v = _VALIDATORS.get(kind)
    if v is None:
        v = jsonschema.Draft202012Validator(schema_for(kind))
        _VALIDATORS[kind] = v
    return v


def default_content_dir() -> Path:
    """`$VARDLOTS_CONTENT_DIR`, else `<repo>/content` found upwards from this package or the
    current directory."""
    env = os.environ.get("VARDLOTS_CONTENT_DIR")
    if env:
        return Path(env)
    for start in (Path(__file__).resolve().parent, Path.cwd()):
        for d in (start, *start.parents):
            if (d / "content" / "manifest.yaml").is_file():
                return d / "content"
    return Path.cwd() / "content"


@dataclass
class _Ctx:
    root: Path
    problems: list[Problem] = field(default_factory=list)

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def error(self, file: str, location: str, message: str) -> None:
        self.problems.append(Problem("error", file, location, message))

    def warning(self, file: str, location: str, message: str) -> None:
        self.problems.append(Problem("warning", file, location, message))


def _json_path(err: jsonschema.ValidationError) -> str:
    out = ""
    for part in err.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(err: jsonschema.ValidationError) -> str:
    # oneOf/anyOf messages are long; use the most specific sub-error when there is one.
    if err.context:
        best = jsonschema.exceptions.best_match(err.context)
        if best is not None and best.message:
            return str(best.message)
    msg = str(err.message)
    return msg if len(msg) < 300 else msg[:300] + "..."


def _read(ctx: _Ctx, path: Path, kind: str) -> Any:
    file = ctx.rel(path)
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except yaml.YAMLError as e:
        ctx.error(file, "", f"YAML error: {e}")
        return None
    except OSError as e:
        ctx.error(file, "", f"cannot read: {e}")
        return None
    if data is None:
        ctx.error(file, "", "file is empty")
        return None
    errors = sorted(_validator(kind).iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    for err in errors:
        ctx.error(file, _json_path(err), f"schema: {_describe(err)}")
    return data


def _text(v: Any) -> Text | None:
    if isinstance(v, Mapping) and isinstance(v.get("sv"), str) and isinstance(v.get("en"), str):
        return Text(v["sv"], v["en"])
    return None


def _req_text(v: Any) -> Text:
    t = _text(v)
    return t if t is not None else Text(str(v.get("sv", "")) if isinstance(v, Mapping) else "",
                                        str(v.get("en", "")) if isinstance(v, Mapping) else "")


def _expr(ctx: _Ctx, source: Any, file: str, location: str) -> Expression | None:
    try:
        return parse(source if isinstance(source, str) else str(source), f"{file} {location}")
    except ExpressionError as e:
        ctx.error(file, location, f"condition does not parse: {e.message} at column "
                                  f"{e.position + 1}: {e.source!r}")
        return None


def _items(data: Any, key: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    if isinstance(data, Mapping):
        items = data.get(key)
        if isinstance(items, list):
            for i, it in enumerate(items):
                if isinstance(it, Mapping):
                    yield i, it


def _files(d: Path) -> list[Path]:
    if not d.is_dir():
        return []
    return sorted(p for p in d.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _build_finding(ctx: _Ctx, it: Mapping[str, Any], file: str, loc: str) -> Finding | None:
    try:
        syn = it.get("synonyms") or {}
        return Finding(
            id=str(it["id"]),
            kind=FindingKind(it.get("kind", "symptom")),
            label=_req_text(it.get("label", {})),
            codes=tuple(Code(str(c["system"]), str(c["code"])) for c in it.get("codes") or []
                        if isinstance(c, Mapping)),
            synonyms_sv=tuple(str(s) for s in syn.get("sv") or []),
            synonyms_en=tuple(str(s) for s in syn.get("en") or []),
            location=Location(file, loc),
        )
    except (KeyError, ValueError, TypeError, AttributeError) as e:
        ctx.error(file, loc, f"cannot read finding: {e!r}")
        return None


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _build_question(
    ctx: _Ctx, it: Mapping[str, Any], file: str, loc: str, owner: str
) -> Question | None:
    try:
        text = it.get("text") or {}
        show_if = None
        if it.get("show_if") is not None:
            show_if = _expr(ctx, it["show_if"], file, f"{loc}.show_if")
        options = tuple(
            Option(str(o["id"]) if not isinstance(o["id"], bool) else ("yes" if o["id"] else "no"),
                   _req_text(o.get("label", {})))
            for o in it.get("options") or [] if isinstance(o, Mapping) and "id" in o
        )
        return Question(
            finding=str(it["finding"]),
            type=QuestionType(it["type"]),
            resident=_req_text(text.get("resident", {})),
            nurse=_req_text(text.get("nurse", text.get("resident", {}))),
            help=_text(it.get("help")),
            show_if=show_if,
            options=options,
            unit=str(it["unit"]) if it.get("unit") is not None else
            ("h" if it["type"] == "duration" else None),
            min=_num(it.get("min")),
            max=_num(it.get("max")),
            step=_num(it.get("step")),
            owner=owner,
            location=Location(file, loc),
            resident_child=_text(text.get("resident_child")),
            resident_other=_text(text.get("resident_other")),
            unknown_policy=str(it["unknown_policy"]) if it.get("unknown_policy") else None,
            simpler=str(it["simpler"]) if it.get("simpler") else None,
            simpler_yes=str(it["simpler_yes"]) if it.get("simpler_yes") else None,
            compound_reason=str(it["compound_reason"]) if it.get("compound_reason") else None,
        )
    except (KeyError, ValueError, TypeError, AttributeError) as e:
        ctx.error(file, loc, f"cannot read question: {e!r}")
        return None


def _build_outcome(ctx: _Ctx, it: Mapping[str, Any], file: str, loc: str) -> Outcome | None:
    try:
        return Outcome(
            urgency=Urgency(it["urgency"]),
            care_need=CareNeed(it["care_need"]),
            reason=_req_text(it.get("reason", {})),
            advice=_text(it.get("advice")),
            safety_net=_text(it.get("safety_net")),
            sources=tuple(str(s) for s in it.get("sources") or []),
            forms=tuple(
                (aud, OutcomeForm(_text(f.get("reason")), _text(f.get("advice")),
                                  _text(f.get("safety_net"))))
                for aud in ("child", "other") if isinstance(f := it.get(aud), Mapping)),
            also=tuple(
                (w, OutcomeForm(None, _text(a.get("advice")), _text(a.get("safety_net"))))
                for j, a in enumerate(it.get("also") or []) if isinstance(a, Mapping)
                and (w := _expr(ctx, a.get("when", ""), file, f"{loc}.also[{j}].when")) is not None),
        )
    except (KeyError, ValueError, TypeError) as e:
        ctx.error(file, loc, f"cannot read outcome: {e!r}")
        return None


def _load_questions(
    ctx: _Ctx, data: Any, file: str, owner: str, into: dict[str, Question], scope: str
) -> None:
    for i, it in _items(data, "questions"):
        loc = f"questions[{i}]"
        if "finding" in it:
            loc = f"questions[{i}] ({it['finding']})"
        q = _build_question(ctx, it, file, loc, owner)
        if q is None:
            continue
        if q.finding in into:
            prev = into[q.finding].location
            ctx.error(file, loc, f"second question for finding {q.finding!r} in {scope} "
                                 f"(first at {prev})")
            continue
        into[q.finding] = q


def _load_protocol(
    ctx: _Ctx, data: Any, path: Path, is_screen: bool, findings: dict[str, Finding]
) -> Protocol | None:
    file = ctx.rel(path)
    if not isinstance(data, Mapping):
        ctx.error(file, "", "expected a mapping at the top level")
        return None
    pid = str(data.get("id", path.stem))
    if not is_screen and pid != path.stem:
        ctx.error(file, "id", f"protocol id {pid!r} must equal the file name {path.stem!r}")
    for i, it in _items(data, "findings"):
        f = _build_finding(ctx, it, file, f"findings[{i}]")
        if f is not None:
            _add_unique(ctx, findings, f.id, f, file, f"findings[{i}]", "finding")
    questions: dict[str, Question] = {}
    _load_questions(ctx, data, file, pid, questions, f"protocol {pid}")
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for i, it in _items(data, "rules"):
        rid = str(it.get("id", f"rule{i}"))
        loc = f"rules[{i}] ({rid})"
        if rid in seen:
            ctx.error(file, loc, f"duplicate rule id {rid!r} (also rules[{seen[rid]}])")
            continue
        seen[rid] = i
        when = _expr(ctx, it.get("when", ""), file, f"{loc}.when")
        outcome = _build_outcome(ctx, it, file, loc)
        if when is None or outcome is None:
            continue
        red = bool(it.get("red_flag", False)) or is_screen or outcome.urgency in (
            Urgency.EMERGENCY_112, Urgency.P1)
        rules.append(Rule(f"{pid}.{rid}", rid, pid, i, when, outcome, red, Location(file, loc)))
    default = None
    if not is_screen and isinstance(data.get("default"), Mapping):
        default = _build_outcome(ctx, data["default"], file, "default")
    applies = data.get("applies") if isinstance(data.get("applies"), Mapping) else {}
    assert isinstance(applies, Mapping)
    try:
        age_from = parse_age(applies.get("age_from") or "0d")
        age_to = parse_age(applies["age_to"]) if applies.get("age_to") is not None else None
    except ValueError as e:
        ctx.error(file, "applies", str(e))
        age_from, age_to = 0, None
    try:
        sexes = frozenset(Sex(s) for s in applies.get("sex") or ["female", "male"])
    except ValueError as e:
        ctx.error(file, "applies.sex", str(e))
        sexes = frozenset(Sex)
    terms = data.get("search_terms") if isinstance(data.get("search_terms"), Mapping) else {}
    assert isinstance(terms, Mapping)
    try:
        review = ReviewState(data.get("review_state", "draft"))
    except ValueError:
        review = ReviewState.DRAFT
    version = data.get("version", 1)
    return Protocol(
        id=pid,
        version=version if isinstance(version, int) else 0,
        review_state=review,
        title=_req_text(data.get("title", {})),
        description=_text(data.get("description")),
        family=str(data["family"]) if data.get("family") else None,
        ages=AgeBand(age_from, age_to),
        sexes=sexes,
        search_terms_sv=tuple(str(s) for s in terms.get("sv") or []),
        search_terms_en=tuple(str(s) for s in terms.get("en") or []),
        questions=questions,
        rules=tuple(rules),
        default=default,
        self_care=_text(data.get("self_care")),
        is_screen=is_screen,
        location=Location(file),
        self_care_forms=tuple((aud, t) for aud in ("child", "other")
                              if (t := _text(data.get(f"self_care_{aud}"))) is not None),
    )


def _add_unique(
    ctx: _Ctx, into: dict[str, Any], key: str, value: Any, file: str, loc: str, what: str
) -> bool:
    if key in into:
        prev = getattr(into[key], "location", None)
        ctx.error(file, loc, f"duplicate {what} id {key!r}" + (f" (first in {prev})" if prev else ""))
        return False
    into[key] = value
    return True


ABOUT_PREFIX: Final = "about_"


def _complaint_findings(protocols: Mapping[str, Protocol], findings: dict[str, Finding],
                        shared: dict[str, Question], associations: list[tuple[Expression, str]],
                        implied: list[tuple[str, str]]) -> None:
    """Every contact reason stands for a complaint the person has. A protocol (outside a family)
    whose complaint is not one of the content's findings (`implied` in associations.yaml) gets a
    generated one, `about_<protocol id>`, asked in its title's words ("Gäller det dig: Bett av
    djur eller människa?"), implied by picking the protocol and bringing it in when answered yes.
    The engine asks it when the search offered that protocol for what the person wrote
    (`TriageInput.offered`), so that the result does not depend on which of them was picked."""
    has_complaint = {pid for pid, _f in implied}
    for pid, p in sorted(protocols.items()):
        if p.family is not None or pid in has_complaint:
            continue
        fid = ABOUT_PREFIX + pid
        loc = Location(p.location.file, "title (generated complaint question)")
        t = p.title
        findings[fid] = Finding(fid, FindingKind.SYMPTOM, t, (), (), (), loc)
        shared[fid] = Question(
            finding=fid, type=QuestionType.YES_NO,
            resident=Text(f"Gäller det dig: {t.sv}?", f"Does this apply to you: {t.en}?"),
            nurse=Text(f"Gäller kontakten även: {t.sv}?", f"Does the contact also concern: {t.en}?"),
            help=None, show_if=None, options=(), unit=None, min=None, max=None, step=None,
            owner="shared", location=loc,
            resident_child=Text(f"Gäller det barnet: {t.sv}?", f"Does this apply to your child: {t.en}?"),
            resident_other=Text(f"Gäller det personen: {t.sv}?",
                                f"Does this apply to the person: {t.en}?"),
            unknown_policy="absent")
        associations.append((parse(fid, f"{loc.file} {loc.path}"), pid))
        implied.append((pid, fid))


def _build_items(ctx: _Ctx, paths: list[Path], kind: str, key: str, what: str,
                 build: Callable[[Mapping[str, Any], Location], _T]) -> Iterator[tuple[_T, str, str]]:
    """Build one object per item under `key` of every file; an item that cannot be read is an
    error naming the file and the item, and is left out. Yields (object, file, item location)."""
    for path in paths:
        data = _read(ctx, path, kind)
        file = ctx.rel(path)
        for i, it in _items(data, key):
            loc = f"{key}[{i}]" + (f" ({it['id']})" if it.get("id") is not None else "")
            try:
                built = build(it, Location(file, loc))
            except (KeyError, ValueError, TypeError) as e:
                ctx.error(file, loc, f"cannot read {what}: {e!r}")
                continue
            yield built, file, loc


def _phrasing(it: Mapping[str, Any], location: Location) -> SearchPhrasing:
    return SearchPhrasing(
        text=str(it["text"]),
        expected=str(it["expected"]),
        age_days=parse_age(it["age"]) if it.get("age") is not None else None,
        sex=Sex(it["sex"]) if it.get("sex") else None,
        location=location,
    )


def _load_phrasings(ctx: _Ctx, paths: list[Path]) -> list[SearchPhrasing]:
    return [p for p, _file, _loc in _build_items(ctx, paths, "search", "phrasings", "phrasing", _phrasing)]


def load_heldout_phrasings(
        root: str | os.PathLike[str] | None = None) -> tuple[list[SearchPhrasing] | None, list[Problem]]:
    """The blind held-out phrasing set (`search/heldout/*.yaml`), written by people who have not
    seen the search or its terms; only ever measured against, never part of the content set or
    the search index. None when the folder does not exist."""
    rootp = Path(root) if root is not None else default_content_dir()
    ctx = _Ctx(rootp.resolve())
    folder = ctx.root / "search" / "heldout"
    if not folder.is_dir():
        return None, ctx.problems
    return _load_phrasings(ctx, _files(folder)), ctx.problems


def load_content_with_problems(root: str | os.PathLike[str] | None = None) -> tuple[
        ContentSet, list[Problem]]:
    """Load everything that can be loaded and return it with the problems found."""
    rootp = Path(root) if root is not None else default_content_dir()
    ctx = _Ctx(rootp.resolve())
    if not rootp.is_dir():
        ctx.error(str(rootp), "", "content directory does not exist")
    r = ctx.root

    # manifest
    version, review, name = "0", ReviewState.DRAFT, None
    mpath = r / "manifest.yaml"
    if mpath.is_file():
        m = _read(ctx, mpath, "manifest")
        if isinstance(m, Mapping):
            version = str(m.get("version", "0"))
            try:
                review = ReviewState(m.get("review_state", "draft"))
            except ValueError:
                pass
            name = _text(m.get("name"))
    else:
        ctx.error(ctx.rel(mpath), "", "missing manifest.yaml")

    sources: dict[str, Source] = {}
    for path in _files(r / "sources"):
        data = _read(ctx, path, "sources")
        file = ctx.rel(path)
        for i, it in _items(data, "sources"):
            loc = f"sources[{i}]"
            try:
                s = Source(str(it["id"]), str(it.get("title", "")), str(it.get("publisher", "")),
                           str(it.get("url", "")), str(it.get("version", "")), Location(file, loc))
            except KeyError as e:
                ctx.error(file, loc, f"cannot read source: missing {e}")
                continue
            _add_unique(ctx, sources, s.id, s, file, loc, "source")

    findings: dict[str, Finding] = {}
    for path in _files(r / "findings"):
        data = _read(ctx, path, "findings")
        file = ctx.rel(path)
        for i, it in _items(data, "findings"):
            f = _build_finding(ctx, it, file, f"findings[{i}]")
            if f is not None:
                _add_unique(ctx, findings, f.id, f, file, f"findings[{i}]", "finding")

    shared: dict[str, Question] = {}
    for path in _files(r / "questions"):
        data = _read(ctx, path, "questions")
        _load_questions(ctx, data, ctx.rel(path), "shared", shared, "content/questions")

    screen = None
    spath = r / "red_flags.yaml"
    if spath.is_file():
        data = _read(ctx, spath, "red_flags")
        if data is not None:
            screen = _load_protocol(ctx, data, spath, True, findings)
    else:
        ctx.warning(ctx.rel(spath), "", "no global red-flag screen (red_flags.yaml)")

    protocols: dict[str, Protocol] = {}
    for path in _files(r / "protocols"):
        data = _read(ctx, path, "protocol")
        if data is None:
            continue
        p = _load_protocol(ctx, data, path, False, findings)
        if p is not None:
            _add_unique(ctx, protocols, p.id, p, ctx.rel(path), "id", "protocol")

    modifiers: list[Modifier] = []
    mpath = r / "modifiers.yaml"
    if mpath.is_file():
        data = _read(ctx, mpath, "modifiers")
        file = ctx.rel(mpath)
        seen_mod: set[str] = set()
        for i, it in _items(data, "modifiers"):
            loc = f"modifiers[{i}] ({it.get('id')})"
            when = _expr(ctx, it.get("when", ""), file, f"{loc}.when")
            if when is None:
                continue
            try:
                applies = it.get("applies_to", "all")
                mod = Modifier(
                    id=str(it["id"]),
                    when=when,
                    raise_by=int(it.get("raise_by") or 0),
                    at_least=Urgency(it["at_least"]) if it.get("at_least") else None,
                    cap=Urgency(it.get("cap") or "P1"),
                    applies_to=None if applies == "all" else frozenset(str(a) for a in applies),
                    reason=_req_text(it.get("reason", {})),
                    sources=tuple(str(s) for s in it.get("sources") or []),
                    location=Location(file, loc),
                )
            except (KeyError, ValueError, TypeError) as e:
                ctx.error(file, loc, f"cannot read modifier: {e!r}")
                continue
            if mod.id in seen_mod:
                ctx.error(file, loc, f"duplicate modifier id {mod.id!r}")
                continue
            seen_mod.add(mod.id)
            modifiers.append(mod)

    vignettes = _load_vignettes(ctx, _files(r / "vignettes"))

    associations: list[tuple[Expression, str]] = []
    checklist: str | None = None
    implied: list[tuple[str, str]] = []
    apath = r / "associations.yaml"
    if apath.is_file():
        adata = _read(ctx, apath, "associations")
        afile = ctx.rel(apath)
        if isinstance(adata, Mapping) and adata.get("checklist"):
            checklist = str(adata["checklist"])
        for i, it in _items(adata, "associations"):
            loc = f"associations[{i}]"
            when = _expr(ctx, it.get("when", ""), afile, f"{loc}.when")
            pid = str(it.get("protocol"))
            if when is None:
                continue
            if pid not in protocols:
                ctx.error(afile, loc, f"unknown protocol {pid!r}")
                continue
            missing = [f for f in when.findings if f not in findings]
            if missing:
                ctx.error(afile, loc, f"unknown finding(s) {', '.join(missing)}")
                continue
            associations.append((when, pid))
            if it.get("implied"):
                if len(when.findings) != 1 or when.source.strip() != when.findings[0]:
                    ctx.error(afile, loc, "implied needs a condition that is one finding")
                    continue
                implied.append((pid, when.findings[0]))

    _complaint_findings(protocols, findings, shared, associations, implied)

    level_texts: dict[Urgency, tuple[Text, Text]] = {}
    level_forms: dict[tuple[Urgency, str], tuple[Text | None, Text | None]] = {}
    lpath = r / "levels.yaml"
    if lpath.is_file():
        ldata = _read(ctx, lpath, "levels")
        lfile = ctx.rel(lpath)
        if isinstance(ldata, Mapping) and isinstance(ldata.get("levels"), Mapping):
            for code, it in ldata["levels"].items():
                try:
                    level_texts[Urgency(code)] = (_req_text(it["advice"]), _req_text(it["safety_net"]))
                    for aud in ("child", "other"):
                        if isinstance(f := it.get(aud), Mapping):
                            level_forms[(Urgency(code), aud)] = (_text(f.get("advice")),
                                                                 _text(f.get("safety_net")))
                    for sid in it.get("sources") or []:
                        if sid not in sources:
                            ctx.error(lfile, f"levels.{code}", f"unknown source {sid!r}")
                except (KeyError, ValueError, TypeError) as e:
                    ctx.error(lfile, f"levels.{code}", f"cannot read level texts: {e!r}")

    declared: list[tuple[frozenset[str], str]] = []
    cpath = r / "consistency.yaml"
    if cpath.is_file():
        cdata = _read(ctx, cpath, "consistency")
        for _i, it in _items(cdata, "differences"):
            declared.append((frozenset(str(x) for x in it.get("rules") or []),
                             str(it.get("reason") or "")))

    risk_factors: list[str] = []
    rpath = r / "risk_factors.yaml"
    if rpath.is_file():
        rdata = _read(ctx, rpath, "risk_factors")
        if isinstance(rdata, Mapping):
            for i, fid in enumerate(rdata.get("risk_factors") or []):
                if str(fid) not in findings:
                    ctx.error(ctx.rel(rpath), f"risk_factors[{i}]", f"unknown finding {fid!r}")
                else:
                    risk_factors.append(str(fid))

    lexicon: dict[str, tuple[str, ...]] = {}
    for path in _files(r / "lexicon"):
        ldata = _read(ctx, path, "lexicon")
        lfile = ctx.rel(path)
        for i, it in _items(ldata, "lexicon"):
            fid = str(it.get("finding"))
            if fid not in findings:
                ctx.error(lfile, f"lexicon[{i}]", f"unknown finding {fid!r}")
                continue
            words = [str(w) for w in (it.get("sv") or []) + (it.get("en") or [])]
            lexicon[fid] = lexicon.get(fid, ()) + tuple(words)

    # only the files directly in search/: the held-out set in search/heldout/ is never loaded here
    phrasings = _load_phrasings(ctx, _files(r / "search"))

    content = ContentSet(
        version=version,
        review_state=review,
        name=name,
        findings=findings,
        shared_questions=shared,
        sources=sources,
        screen=screen,
        protocols=protocols,
        modifiers=tuple(modifiers),
        vignettes=tuple(vignettes),
        associations=tuple(associations),
        checklist=checklist,
        implied=tuple(implied),
        lexicon=lexicon,
        level_texts=level_texts,
        level_forms=level_forms,
        risk_factors=tuple(risk_factors),
        declared_differences=tuple(declared),
        search_phrasings=tuple(phrasings),
        root=str(r),
    )
    return content, ctx.problems


def _vignette(it: Mapping[str, Any], location: Location) -> Vignette:
    protos = it["protocols"]
    return Vignette(
        id=str(it["id"]),
        protocols=tuple(str(p) for p in (protos if isinstance(protos, list) else [protos])),
        age_days=parse_age(it["age"]),
        sex=Sex(it["sex"]),
        pregnant=it.get("pregnant") if isinstance(it.get("pregnant"), bool) else None,
        case=str(it.get("case", "")),
        answers=dict(it.get("answers") or {}),
        expected=Urgency(it["expected"]),
        why=str(it.get("why", "")),
        location=location,
        text=str(it.get("text") or ""),
        author=str(it.get("author") or ""),
        source=str(it.get("source") or ""),
    )


def _load_vignettes(ctx: _Ctx, paths: list[Path]) -> list[Vignette]:
    vignettes: list[Vignette] = []
    seen_v: dict[str, str] = {}
    for v, file, loc in _build_items(ctx, paths, "vignettes", "vignettes", "vignette", _vignette):
        if v.id in seen_v:
            ctx.error(file, loc, f"duplicate vignette id {v.id!r} (first in {seen_v[v.id]})")
            continue
        seen_v[v.id] = file
        vignettes.append(v)
    return vignettes


def load_independent_vignettes(
        root: str | os.PathLike[str] | None = None) -> tuple[list[Vignette], list[Problem]]:
    """The independent set (`vignettes/independent/*.yaml`): written by reviewers who have not read
    the rules, answered as a lay person would. Not part of the content set the engine uses."""
    rootp = Path(root) if root is not None else default_content_dir()
    ctx = _Ctx(rootp.resolve())
    paths = [p for p in _files(ctx.root / "vignettes" / "independent") if p.name != "freetext.yaml"]
    found = _load_vignettes(ctx, paths)
    return found, ctx.problems


def load_content(root: str | os.PathLike[str] | None = None) -> ContentSet:
    """Load content; raises ContentError if any file has an error."""
    content, problems = load_content_with_problems(root)
    if any(p.severity == "error" for p in problems):
        raise ContentError(problems)
    return content
