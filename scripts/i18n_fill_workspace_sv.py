"""Fill the Swedish msgstr of the staff workspace strings (issue 5) in the sv catalogue.

Touches only entries whose msgid is listed here AND whose msgstr is empty (or fuzzy): other
people's translations are never changed. Run after ``python -m vardlots.core.i18n extract``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "src/vardlots/locale/sv/LC_MESSAGES/django.po"

SV: dict[str, str | tuple[str, str]] = {
    "Choose a colleague.": "Välj en kollega.",
    "That colleague cannot take cases in this queue.": "Den kollegan kan inte ta ärenden i den här kön.",
    "That colleague already has as many cases as allowed.": "Den kollegan har redan så många ärenden som är tillåtet.",
    "Write the note first.": "Skriv anteckningen först.",
    "The note is too long (at most %(n)d characters).": "Anteckningen är för lång (högst %(n)d tecken).",
    "The file is too large (at most 10 MB).": "Filen är för stor (högst 10 MB).",
    "This PDF cannot be attached. Save it again as a plain PDF.":
        "Den här PDF-filen kan inte bifogas. Spara den igen som en vanlig PDF.",
    "Attach a PDF, JPEG or PNG file.": "Bifoga en PDF-, JPEG- eller PNG-fil.",
    "Document": "Dokument",
    "Contact via the digital entry, case %(id)s.": "Kontakt via den digitala vårdingången, ärende %(id)s.",
    "Contact reason: %(reason)s": "Kontaktorsak: %(reason)s",
    "Pertinent negatives: %(list)s": "Relevanta negativa fynd: %(list)s",
    "Computed urgency: %(urgency)s": "Beräknad brådskegrad: %(urgency)s",
    "Explanation: %(text)s": "Förklaring: %(text)s",
    "Urgency changed by staff to %(urgency)s. Reason: %(reason)s":
        "Brådskegrad ändrad av personal till %(urgency)s. Skäl: %(reason)s",
    "Outcome: %(outcome)s": "Utfall: %(outcome)s",
    "Note: %(note)s": "Anteckning: %(note)s",
    "Answers:": "Svar:",
    "yes": "ja",
    "no": "nej",
    "don't know": "vet inte",
    "written by": "skriven av",
    "internal note": "intern anteckning",
    "internal notes": "interna anteckningar",
    "attached by": "bifogad av",
    "document": "dokument",
    "documents": "dokument",
    "regional 1177 pool": "regionens 1177-kö",
    "%(n)s waiting": ("%(n)s väntar", "%(n)s väntar"),
    "Waiting cases, most urgent first": "Väntande ärenden, mest brådskande först",
    "Take: %(reason)s": "Ta: %(reason)s",
    "Earlier contacts of the resident": "Invånarens tidigare kontakter",
    "Triage summary": "Sammanfattning av bedömningen",
    "Photos from the resident": "Foton från invånaren",
    "Photo %(n)s from the resident": "Foto %(n)s från invånaren",
    "Documents": "Dokument",
    "Phrase template": "Frasmall",
    "Use the template": "Använd mallen",
    "Tip: type / and a short code, then a space, to insert a template.":
        "Tips: skriv / och en kortkod och sedan ett mellanslag för att infoga en mall.",
    "Attach a document (PDF, JPEG or PNG)": "Bifoga ett dokument (PDF, JPEG eller PNG)",
    "Title": "Rubrik",
    "Attach": "Bifoga",
    "Internal notes": "Interna anteckningar",
    "Only staff see these notes; the resident never does.":
        "Bara personal ser anteckningarna – aldrig invånaren.",
    "No notes yet.": "Inga anteckningar än.",
    "New internal note": "Ny intern anteckning",
    "Add the note": "Lägg till anteckningen",
    "Give the case to a colleague": "Ge ärendet till en kollega",
    "Note for the colleague": "Anteckning till kollegan",
    "Give the case": "Ge ärendet",
    "Text for the medical record": "Text till journalen",
    "Copy this text into the medical record.": "Kopiera texten till journalen.",
    "Back to the case": "Tillbaka till ärendet",
    "Earlier contacts of %(name)s": "Tidigare kontakter för %(name)s",
    "Contacts in units where your roles give access. This look is recorded in the access log.":
        "Kontakter på enheter där dina roller ger behörighet. Att du tittar registreras i åtkomstloggen.",
    "Earlier contacts": "Tidigare kontakter",
    "No earlier contacts.": "Inga tidigare kontakter.",
    "Date": "Datum",
    "Unit": "Enhet",
    "Phrase templates": "Frasmallar",
    "The queues were updated.": "Köerna uppdaterades.",
    "In the chat, type / and the short code followed by a space, or choose the template in the list above "
    "the message box.": "Skriv / och kortkoden följt av ett mellanslag i chatten, eller välj mallen i listan "
                        "ovanför meddelanderutan.",
    "Placeholders:": "Platshållare:",
    "the resident's first name, the unit, today's opening hours and today's date.":
        "invånarens förnamn, enheten, dagens öppettider och dagens datum.",
    "Templates you can change": "Mallar du kan ändra",
    "Short code": "Kortkod",
    "Scope": "Omfattning",
    "Language": "Språk",
    "Text": "Text",
    "administrative": "administrativ",
    "Remove /%(code)s": "Ta bort /%(code)s",
    "Remove": "Ta bort",
    "You have no templates yet.": "Du har inga mallar än.",
    "New template": "Ny mall",
    "Who uses it": "Vem som använder den",
    "Only me": "Bara jag",
    "A unit I manage": "En enhet jag är chef för",
    "A region I administer": "En region jag administrerar",
    "For cases of kind": "För ärenden av typen",
    "Save the template": "Spara mallen",
    "Choose a file to attach.": "Välj en fil att bifoga.",
    "The template was removed.": "Mallen togs bort.",
    "The template was saved.": "Mallen sparades.",
    "You may not manage these templates.": "Du får inte hantera de här mallarna.",
    "The short code is 1–20 lowercase letters, digits or dashes.":
        "Kortkoden är 1–20 gemena bokstäver, siffror eller bindestreck.",
    "Give the template a title and a text.": "Ge mallen en rubrik och en text.",
    "The text is too long (at most %(n)d characters).": "Texten är för lång (högst %(n)d tecken).",
    "Choose a language and a kind.": "Välj språk och typ.",
    "Personal": "Personlig",
    "Region": "Region",
    "scope": "omfattning",
    "for cases of kind": "för ärenden av typen",
    "language": "språk",
    "short code": "kortkod",
    "text": "text",
    "title": "rubrik",
    "owner": "ägare",
    "phrase template": "frasmall",
    "phrase templates": "frasmallar",
    "closed today": "stängt i dag",
}


def _unquote(lines: list[str]) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', " ".join(lines))).replace('\\"', '"').replace("\\n", "\n")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def fill(text: str) -> tuple[str, int]:
    entries = text.split("\n\n")
    changed = 0
    for i, entry in enumerate(entries):
        lines = entry.split("\n")
        keys = [n for n, line in enumerate(lines) if re.match(r"msg(id|id_plural|str|str\[\d\])\b", line)]
        if not keys:
            continue
        parts: dict[str, list[str]] = {}
        for k, start in enumerate(keys):
            end = keys[k + 1] if k + 1 < len(keys) else len(lines)
            name = lines[start].split(" ", 1)[0]
            parts[name] = lines[start:end]
        msgid = _unquote(parts.get("msgid", []))
        if msgid not in SV or lines[0].startswith("#~"):
            continue
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        strs = [n for n in parts if n.startswith("msgstr")]
        if not fuzzy and any(_unquote(parts[n]) for n in strs):
            continue  # already translated: never touch
        value = SV[msgid]
        header = [line for line in lines[:keys[0]] if not (line.startswith("#,") and "fuzzy" in line)]
        header += [line for line in lines[:keys[0]] if line.startswith("#,") and "fuzzy" in line
                   and line.replace("fuzzy", "").strip("#, ")]  # keep other flags (python-format)
        header = [line.replace("fuzzy, ", "").replace(", fuzzy", "") for line in header]
        body = [*parts["msgid"], *parts.get("msgid_plural", [])]
        body = [line for line in body if not line.startswith("#|")]
        if isinstance(value, tuple):
            body += [f"msgstr[0] {_quote(value[0])}", f"msgstr[1] {_quote(value[1])}"]
        else:
            body += [f"msgstr {_quote(value)}"]
        entries[i] = "\n".join([line for line in header if not line.startswith("#|")] + body)
        changed += 1
    return "\n\n".join(entries), changed


def main() -> int:
    text, changed = fill(PO.read_text(encoding="utf-8"))
    PO.write_text(text, encoding="utf-8")
    print(f"filled {changed} Swedish entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
