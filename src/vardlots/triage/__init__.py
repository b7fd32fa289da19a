"""vardlots.triage: the pure clinical triage core (no Django, no I/O in the engine).

Public entry points:

- `load_content(dir)` -> ContentSet (loader)
- `next_step(content, TriageInput)` -> QuestionStep | Result (engine)
- `check_content(dir)` (check), `run_vignettes(content)` (vignettes), `ProtocolSearch` (search)
"""

from vardlots.triage.engine import (
    AnswerError,
    Progress,
    QuestionStep,
    Result,
    TriageError,
    TriageInput,
    next_step,
    pertinent_negatives,
    progress,
)
from vardlots.triage.loader import ContentError, Problem, default_content_dir, load_content
from vardlots.triage.model import UNKNOWN, CareNeed, ContentSet, Sex, Urgency

__all__ = [
    "UNKNOWN",
    "AnswerError",
    "CareNeed",
    "ContentError",
    "ContentSet",
    "Problem",
    "Progress",
    "QuestionStep",
    "Result",
    "Sex",
    "TriageError",
    "TriageInput",
    "Urgency",
    "default_content_dir",
    "load_content",
    "next_step",
    "pertinent_negatives",
    "progress",
]
