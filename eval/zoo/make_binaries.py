"""Generate the zoo's binary fixtures with real tools: the DOCX with python-docx, the PDF with Chromium.

Run from the repository root: `python eval/zoo/make_binaries.py`. The outputs are committed, so tests
read the very files these tools wrote; rerun only when a source below changes.

- `documents/key-tasks-2023.docx`: Word "Title" and "Heading 1" styles, tasks as real auto-numbered
  "List Number" paragraphs whose numbering restarts in each section (the numbers are not in the text).
- `documents/key-tasks-2023-second-half.pdf`: `sources/key-tasks-2023-second-half.html` printed to PDF by
  headless Chromium, so the PDF has a real text layer with wrapped lines.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import tempfile
from pathlib import Path

import docx
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

ZOO = Path(__file__).resolve().parent
DOCUMENTS = ZOO / "documents"

DOCX_TITLE = "Key Tasks for Deepening the Reform of the Medical and Health System in 2023"
DOCX_FRONT = [
    "Issued by the National Health Commission, the Ministry of Finance and the National Healthcare "
    "Security Administration",
    "Guoweitigaifa [2023] No. 9",
    "March 28, 2023",
    "This year the reform builds a network of Lantern pharmacies, widens the compact county medical "
    "communities and gives residents their health records. Every programme and figure in this notice is a "
    "fictional example written for a test collection.",
]
DOCX_SECTIONS: list[tuple[str, list[str]]] = [
    (
        "1、Building the Lantern pharmacy network",
        [
            "Open 2,000 Lantern pharmacies in community health centres. Each Lantern pharmacy shall stock "
            "the 100 medicines most used for chronic diseases, and the first 1,000 shall open before the end "
            "of November 2023. (National Medical Products Administration, National Health Commission, etc. "
            "are responsible according to the division of responsibilities)",
            "Train Lantern pharmacists in medication reviews. Every Lantern pharmacist shall complete a "
            "40-hour course by the end of June. (National Health Commission, National Medical Products "
            "Administration, etc. are responsible according to the division of responsibilities)",
        ],
    ),
    (
        "2、Widening compact county medical communities",
        [
            "Extend compact county medical communities to 500 counties. Member institutions shall share one "
            "budget, one staff pool and one pharmacy catalogue. (National Health Commission, National "
            "Healthcare Security Administration, Ministry of Finance, etc. are responsible according to the "
            "division of responsibilities)",
            "Pay each county medical community one global budget. Medical insurance funds shall pay each "
            "community one annual budget covering all its members by end-2025. (National Healthcare "
            "Security Administration, Ministry of Finance, etc. are responsible according to the division "
            "of responsibilities)",
        ],
    ),
    (
        "3、Putting health records in residents' hands",
        [
            "Let every resident read their electronic health record on a phone. Provinces shall connect "
            "their health record systems to one national app within the year. (National Health Commission, "
            "Ministry of Industry and Information Technology, etc. are responsible according to the "
            "division of responsibilities)",
            "Recognise test results between hospitals of the same city. Hospitals shall accept one "
            "another's laboratory and imaging results for 200 common tests. (National Health Commission, "
            "National Healthcare Security Administration, etc. are responsible according to the division "
            "of responsibilities)",
        ],
    ),
]
DOCX_CLOSING = "All localities shall report their progress on these tasks every quarter."


def _restarted_numbering(document: docx.document.Document, style_num_id: str) -> str:
    """A new numbering instance of the list style's definition that starts again at 1; returns its id.

    python-docx has no API for restarting a list, so the `w:num` with a `w:startOverride` is added to the
    numbering part directly, as Word does when one chooses "Restart at 1".
    """
    numbering = document.part.numbering_part.element
    template = next(n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == style_num_id)
    new_id = str(max(int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))) + 1)
    num = copy.deepcopy(template)
    num.set(qn("w:numId"), new_id)
    for override in num.findall(qn("w:lvlOverride")):
        num.remove(override)
    override = num.makeelement(qn("w:lvlOverride"), {qn("w:ilvl"): "0"})
    start = override.makeelement(qn("w:startOverride"), {qn("w:val"): "1"})
    override.append(start)
    num.append(override)
    numbering.append(num)
    return new_id


def _number_paragraph(paragraph: Paragraph, num_id: str) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    num_pr = p_pr.get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = 0
    num_pr.get_or_add_numId().val = int(num_id)


def make_docx(path: Path) -> None:
    """The 2023 notice as a Word file with real heading styles and auto-numbered, restarting task lists."""
    document = docx.Document()
    document.add_paragraph(DOCX_TITLE, style="Title")
    for line in DOCX_FRONT:
        document.add_paragraph(line)
    style = document.styles["List Number"]
    style_num_id = style.element.pPr.numPr.numId.val
    for heading, tasks in DOCX_SECTIONS:
        document.add_paragraph(heading, style="Heading 1")
        num_id = _restarted_numbering(document, str(style_num_id))
        for task in tasks:
            _number_paragraph(document.add_paragraph(task, style="List Number"), num_id)
    document.add_paragraph(DOCX_CLOSING)
    document.core_properties.title = DOCX_TITLE
    document.save(str(path))


def make_pdf(html: Path, path: Path) -> None:
    """Print an HTML source to PDF with headless Chromium (no header or footer lines)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("chromium is not installed: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={path}",
                html.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main() -> None:
    make_docx(DOCUMENTS / "key-tasks-2023.docx")
    make_pdf(
        ZOO / "sources" / "key-tasks-2023-second-half.html", DOCUMENTS / "key-tasks-2023-second-half.pdf"
    )
    print("wrote key-tasks-2023.docx and key-tasks-2023-second-half.pdf")


if __name__ == "__main__":
    main()
