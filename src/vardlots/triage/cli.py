"""Command line: content check / vignettes / search reports, and an interactive terminal triage.

    python -m vardlots.triage content check [--protocol ID] [--content DIR]
    python -m vardlots.triage content vignettes --report [--protocol ID] [--json]
    python -m vardlots.triage content search --report [--json]   (author and held-out phrasings)
    python -m vardlots.triage content search [--age 2y] [--all] QUERY
    python -m vardlots.triage content schema [--write]
    python -m vardlots.triage triage [--lang sv|en] [--nurse]

`main(argv, stdin, stdout)` is what the project's `vardlots` command delegates to.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import IO, Any

from vardlots.triage.loader import default_content_dir


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="vardlots", description="vardlots triage core")
    sub = ap.add_subparsers(dest="command", required=True)

    content = sub.add_parser("content", help="clinical content tools")
    csub = content.add_subparsers(dest="content_command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--content", metavar="DIR", help="content directory (default: repo content/)")
        p.add_argument("--json", action="store_true", help="machine-readable output")

    chk = csub.add_parser("check", help="validate the content")
    common(chk)
    chk.add_argument("--protocol", metavar="ID", help="only this protocol's files (and shared ones)")

    vig = csub.add_parser("vignettes", help="run clinical vignettes")
    common(vig)
    vig.add_argument("--report", action="store_true", help="print the full report (default)")
    vig.add_argument("--protocol", metavar="ID", help="only vignettes for this protocol")
    vig.add_argument("--independent", action="store_true",
                     help="the independent set (vignettes/independent), answered as a lay person")
    vig.add_argument("--check-only", action="store_true",
                     help="only check the scripted answers; do not run the engine or show results")

    ft = csub.add_parser("freetext", help="precision/recall of the free-text reader")
    common(ft)

    se = csub.add_parser("search", help="search quality on content/search phrasings, or a query")
    common(se)
    se.add_argument("--report", action="store_true", help="top-3 hit rate report")
    se.add_argument("query", nargs="*", help="a query to search for")
    se.add_argument("--age", help="age, e.g. 2y, 3m")
    se.add_argument("--all", action="store_true",
                    help="with a query: the whole ranking with its evidence (* = clears the bar)")

    sch = csub.add_parser("schema", help="print or write the JSON Schema")
    sch.add_argument("--write", action="store_true",
                     help="write docs/triage/protocol.schema.json next to the content directory")
    sch.add_argument("--content", metavar="DIR")

    tri = sub.add_parser("triage", help="interactive terminal triage (reads answers from stdin)")
    tri.add_argument("--lang", choices=["sv", "en"], default="sv")
    tri.add_argument("--nurse", action="store_true", help="show nurse wording")
    tri.add_argument("--content", metavar="DIR")
    return ap


def main(argv: list[str] | None = None, stdin: IO[str] | None = None,
         stdout: IO[str] | None = None) -> int:
    stdin = stdin if stdin is not None else sys.stdin
    out = stdout if stdout is not None else sys.stdout
    ap = _parser()
    try:
        args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    except SystemExit as e:
        return int(e.code or 0) if isinstance(e.code, int) else 2
    if args.command == "content":
        cc = args.content_command
        if cc == "check":
            return _cmd_check(args, out)
        if cc == "vignettes":
            return _cmd_vignettes(args, out)
        if cc == "search":
            return _cmd_search(args, out)
        if cc == "freetext":
            return _cmd_freetext(args, out)
        if cc == "schema":
            return _cmd_schema(args, out)
    if args.command == "triage":
        from vardlots.triage.interactive import run_interactive

        content = _load_lenient(args, out)
        return int(run_interactive(content, stdin, out, lang=args.lang, nurse=args.nurse))
    return 2


def _content_dir(args: argparse.Namespace) -> Path:
    return Path(args.content) if getattr(args, "content", None) else default_content_dir()


def _cmd_check(args: argparse.Namespace, out: IO[str]) -> int:
    from vardlots.triage.check import check_content

    t0 = time.perf_counter()
    report = check_content(_content_dir(args), protocol=args.protocol)
    dt = time.perf_counter() - t0
    if args.json:
        json.dump({"ok": report.ok, "problems": [p.to_dict() for p in report.problems]}, out,
                  indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        print(report.format(), file=out)
        print(f"checked {_content_dir(args)} in {dt:.2f}s", file=out)
    return 0 if report.ok else 1


def _load_lenient(args: argparse.Namespace, out: IO[str]) -> Any:
    from vardlots.triage.loader import load_content_with_problems

    content, problems = load_content_with_problems(_content_dir(args))
    errors = [p for p in problems if p.severity == "error"]
    if errors and not getattr(args, "json", False):
        print(f"note: content has {len(errors)} load error(s); items with errors are skipped "
              "(run `content check`)", file=out)
    return content


def _cmd_vignettes(args: argparse.Namespace, out: IO[str]) -> int:
    from vardlots.triage.vignettes import run_vignettes

    content = _load_lenient(args, out)
    vs = content.vignettes
    if args.independent:
        from vardlots.triage.loader import load_independent_vignettes
        from vardlots.triage.vignettes import check_vignette_answers

        found, problems = load_independent_vignettes(args.content)
        msgs = [f"{p.file} {p.location}: {p.message}" for p in problems]
        msgs += check_vignette_answers(content, found)
        if args.check_only:
            for m in msgs:
                print(m, file=out)
            print(f"{len(found)} vignette(s), {len(msgs)} problem(s)", file=out)
            return 1 if msgs else 0
        for m in msgs:
            print(f"problem: {m}", file=out)
        vs = tuple(found)
    if args.protocol:
        vs = tuple(v for v in vs if args.protocol in v.protocols)
    report = run_vignettes(content, vs)
    if args.json:
        json.dump(report.to_dict(), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        print(report.format(), file=out)
    return 0 if not report.failures() else 1


def _cmd_freetext(args: argparse.Namespace, out: IO[str]) -> int:
    from pathlib import Path

    from vardlots.triage.freetext_eval import evaluate, format_report

    content = _load_lenient(args, out)
    report = evaluate(content, Path(content.root) / "vignettes" / "independent" / "freetext.yaml")
    if args.json:
        json.dump(report, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        print(format_report(report), file=out)
    return 0


def _cmd_search(args: argparse.Namespace, out: IO[str]) -> int:
    from vardlots.triage.loader import load_heldout_phrasings
    from vardlots.triage.model import parse_age
    from vardlots.triage.search import ProtocolSearch, confident, search_report

    content = _load_lenient(args, out)
    if args.query:
        idx = ProtocolSearch(content)
        age = parse_age(args.age) if args.age else None
        text = " ".join(args.query)
        if args.all:  # the whole ranking with its evidence, the bar marked
            shown = {h.protocol_id for h in confident(idx.rank(text, age_days=age))}
            for hit in idx.rank(text, age_days=age)[:10]:
                mark = "*" if hit.protocol_id in shown else " "
                print(f"{mark} {hit.score:6.2f}  specific {hit.specific:4.2f}  {hit.protocol_id}  "
                      f"{hit.title.sv} / {hit.title.en}", file=out)
            return 0
        found = idx.find(text, age_days=age, limit=10)
        for hit in found.hits:
            print(f"{hit.score:6.2f}  {hit.protocol_id}  {hit.title.sv} / {hit.title.en}", file=out)
        if found.nothing_fits:
            print("Vi hittade inget som passar det du skrev. / We found nothing that fits what you "
                  f"wrote. Offered: {found.fallback} (Andra besvär / Other symptoms), or describe it "
                  "again in other words.", file=out)
        return 0
    report = search_report(content)
    heldout_phrasings, _problems = load_heldout_phrasings(Path(content.root))
    heldout = None if heldout_phrasings is None else search_report(
        content, tuple(heldout_phrasings), name="heldout")
    if args.json:
        json.dump({**report.to_dict(),
                   "heldout": heldout.to_dict() if heldout is not None else None},
                  out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        print("Author phrasings (content/search/*.yaml)", file=out)
        print(report.format(), file=out)
        print("", file=out)
        if heldout is None:
            print("Held-out phrasings (content/search/heldout/*.yaml): the folder does not exist yet",
                  file=out)
        else:
            print("Held-out phrasings (content/search/heldout/*.yaml)", file=out)
            print(heldout.format(), file=out)
    return 0 if report.ok else 1


def _cmd_schema(args: argparse.Namespace, out: IO[str]) -> int:
    from vardlots.triage.schema import schema_json

    text = schema_json()
    if args.write:
        target = _content_dir(args).resolve().parent / "docs" / "triage" / "protocol.schema.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}", file=out)
    else:
        out.write(text)
    return 0
