"""Print what a resident can be asked, without the rules: for independent vignette writers.

The catalogue lists the contact reasons a resident can pick (title and age range) and every
question a resident can be asked (finding id, type, wording, options, unit). It deliberately
leaves out rules, urgencies, advice and which answers lead where, so that someone who writes
vignettes from public guidance can script a lay person's answers without reading the rules.

    .venv/bin/python scripts/question_catalogue.py > catalogue.md
"""

from __future__ import annotations

import sys

from vardlots.triage import load_content
from vardlots.triage.engine import all_questions
from vardlots.triage.model import format_age


def main() -> int:
    content = load_content()
    out = sys.stdout
    out.write(f"# Question catalogue (content {content.version})\n\n## Contact reasons\n\n")
    out.write("| id | sv | en | ages | sex |\n|---|---|---|---|---|\n")
    for p in sorted(content.protocols.values(), key=lambda p: p.id):
        upper = format_age(p.ages.to_days) if p.ages.to_days is not None else "–"
        sexes = ",".join(sorted(s.value for s in p.sexes))
        out.write(f"| {p.id} | {p.title.sv} | {p.title.en} | "
                  f"{format_age(p.ages.from_days) if p.ages.from_days else '0d'}–{upper} | {sexes} |\n")
    questions = all_questions(content)
    out.write("\n## Questions (finding id: type: resident wording)\n\n")
    for fid in sorted(questions):
        q = questions[fid]
        line = f"- `{fid}` ({q.type.value}"
        if q.unit:
            line += f", {q.unit}"
        line += f"): {q.resident.sv} / {q.resident.en}"
        if q.options:
            line += " — options: " + "; ".join(f"`{o.id}` {o.label.sv}" for o in q.options)
        out.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
