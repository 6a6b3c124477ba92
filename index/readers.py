"""One reader per file format, all registered in `READERS` (suffix → reader): add a format in one place.

Every reader turns a file into the same plain-text form the cleaner and parser read: one line per
paragraph or list item, a blank line between blocks, headings written as Markdown headings ("## Title")
and items of ordered lists with their number ("3. Title"), so that structure the format carries outside
the text (HTML headings and <ol>, Word heading styles and auto-numbered lists, PDF layout) survives.

The extraction itself is done by maintained libraries: BeautifulSoup for web pages, pypdf for PDF,
python-docx for Word. What is written here is only the mapping from their objects to lines.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bs4 import Tag
    from docx.document import Document as DocxDocument


class ReadError(ValueError):
    """A file cannot be read as the format its extension names; the message says why."""


@dataclass(frozen=True)
class Reader:
    """How to turn one format's bytes into text lines."""

    format: str  # what GET /documents shows: "txt", "markdown", "html", "pdf", "docx"
    read: Callable[[bytes], str]


# ---------------------------------------------------------------- plain text and Markdown

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"


def _decode_text(data: bytes) -> str:
    """UTF-8 text; a binary file with a text extension gets an error naming what it really is."""
    if data.startswith(PDF_MAGIC):
        raise ReadError("the content is a PDF, not text: give the file a .pdf extension")
    if data.startswith(ZIP_MAGIC):
        raise ReadError("the content is a ZIP archive (a Word file?), not text: use its real extension")
    if b"\x00" in data[:4096]:
        raise ReadError("binary content (NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(f"not UTF-8 text (undecodable byte at offset {exc.start})") from exc


def read_plain_text(data: bytes) -> str:
    """A .txt or .md file as it is: Markdown headings already have the form the parser reads."""
    return _decode_text(data)


# ---------------------------------------------------------------- HTML

# Page furniture that is never the notice: removed with everything inside it.
HTML_DROPPED_TAGS = [
    "script", "style", "noscript", "template", "iframe", "svg", "canvas", "form", "button",
    "select", "input", "nav", "header", "footer", "aside", "head",
]  # fmt: skip
# class/id/role words of navigation, share bars, toolbars and footers on sites without semantic tags
FURNITURE = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|breadcrumbs?|share|sharing|toolbar|social|footer|header|"
    r"sidebar|related|comments?|banner|copyright|top-bar|topbar|print)(?:$|[\s_-])",
    re.IGNORECASE,
)
HTML_BLOCKS = {
    "p", "div", "section", "article", "main", "li", "ul", "ol", "table", "tr", "td", "th",
    "blockquote", "pre", "dl", "dt", "dd", "center", "figure", "figcaption", "address",
}  # fmt: skip
HEADING_TAG = re.compile(r"h([1-6])")
CHINESE_NUMERAL = "[一二三四五六七八九十]{1,3}"
NUMBERED_START = re.compile(  # "3.", "(3)", "（三）", "III.", "三、" at the start of a line
    rf"^\s*(?:[（(]\s*(?:\d{{1,2}}|{CHINESE_NUMERAL})\s*[）)]"
    rf"|(?:\d{{1,2}}|[IVX]{{1,4}}|{CHINESE_NUMERAL})\s*[.、)）．](?!\d))"
)


def _is_furniture(tag: Tag) -> bool:
    if tag.attrs is None:  # already removed with an ancestor
        return False
    words = " ".join([str(tag.get("id") or ""), *(tag.get("class") or []), str(tag.get("role") or "")])
    return bool(words.strip()) and bool(FURNITURE.search(words))


class _HtmlLines:
    """Blocks of a page's main content: headings as '#' lines, <ol> items with their numbers."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self._inline: list[str] = []

    def flush(self) -> None:
        text = "".join(self._inline)
        self._inline.clear()
        lines = [re.sub(r"\s+", " ", line).strip() for line in text.split("\n")]
        block = "\n".join(line for line in lines if line)
        if block:
            self.blocks.append(block)

    def walk(self, node: Tag) -> None:
        from bs4 import Tag
        from bs4.element import NavigableString

        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:  # not a comment, doctype or CDATA
                    self._inline.append(str(child))
            elif isinstance(child, Tag):
                self._element(child)

    def _element(self, tag: Tag) -> None:
        name = tag.name.lower()
        if name == "br":
            self._inline.append("\n")
        elif heading := HEADING_TAG.fullmatch(name):
            self.flush()
            text = re.sub(r"\s+", " ", tag.get_text(" ")).strip()
            if text:
                self.blocks.append(f"{'#' * int(heading[1])} {text}")
        elif name == "ol":
            self.flush()
            self._ordered_list(tag)
        elif name in HTML_BLOCKS:
            self.flush()
            self.walk(tag)
            self.flush()
        else:
            self.walk(tag)

    def _ordered_list(self, tag: Tag) -> None:
        """Items of an ordered list as numbered lines, honouring `start`, so numbering survives."""
        try:
            number = int(str(tag.get("start") or 1))
        except ValueError:
            number = 1
        for item in tag.find_all("li", recursive=False):
            before = len(self.blocks)
            self.walk(item)
            self.flush()
            if len(self.blocks) > before and not NUMBERED_START.match(self.blocks[before]):
                self.blocks[before] = f"{number}. {self.blocks[before]}"
            number += 1


def _main_content(soup: Tag) -> Tag:
    """The element holding the page's text: <main>, <article> or role=main when present, else <body>."""
    for selector in ("main", "[role=main]", "article"):
        found = soup.select(selector)
        if found:
            return max(found, key=lambda tag: len(tag.get_text(" ", strip=True)))
    return soup.body or soup


def read_html(data: bytes) -> str:
    """The main content of a web page, without navigation, share bars, footers, scripts or styles."""
    from bs4 import BeautifulSoup

    text = _decode_text(data)
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup.find_all(HTML_DROPPED_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_furniture):
        tag.decompose()
    lines = _HtmlLines()
    lines.walk(_main_content(soup))
    lines.flush()
    return "\n\n".join(lines.blocks)


# ---------------------------------------------------------------- PDF

NO_TEXT_LAYER = "no text layer: scanned PDFs need OCR, which is not supported"
LIGATURES = re.compile("[\ufb00-\ufb06]")  # "ﬁ" in "ﬁrst": typesetting, not text
TERMINAL = tuple(".。!！?？;；:：)）")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@dataclass
class _PdfLine:
    """One printed line: its text, baseline, font size and right edge."""

    text: str
    y: float
    size: float
    left: float
    right: float


def _pdf_lines(page: object) -> list[_PdfLine]:
    """A page's lines in content order, from pypdf's text visitor (which reports each run's position)."""
    lines: list[_PdfLine] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if not text or text.isspace():
            if lines and text == "" and abs(tm[5] - lines[-1].y) < 0.5:
                lines[-1].right = max(lines[-1].right, tm[4])  # an empty run marks where a line ends
            return
        y, x = tm[5], tm[4]
        if lines and abs(y - lines[-1].y) < max(size, 1.0) * 0.4:
            lines[-1].text += text
            lines[-1].right = max(lines[-1].right, x)
        else:
            lines.append(_PdfLine(text.strip("\n"), y, float(size), x, x))

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    for line in lines:
        line.text = LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m[0]), line.text).strip()
    return [line for line in lines if line.text]


def _joins(previous: _PdfLine, line: _PdfLine, left: float, right: float) -> str:
    """How two consecutive lines meet: " " or "" (one paragraph), "\n" (new line), "\n\n" (new paragraph).

    Paragraph spacing shows as a gap wider than the line height. A line that stops well before the right
    margin, or is indented like a centred heading, ends its line; a wrapped line runs to the margin.
    """
    gap = abs(line.y - previous.y)
    if gap > 1.6 * max(previous.size, line.size):
        return "\n\n"
    if NUMBERED_START.match(line.text):
        return "\n"
    width = right - left
    centred = any(x.left > left + x.size for x in (previous, line))
    short = previous.right < left + 0.7 * width or (
        previous.right < left + 0.93 * width and previous.text.endswith(TERMINAL)
    )
    if (centred or short) and not line.text[:1].islower():
        return "\n"
    if CJK.match(line.text[:1]) and CJK.match(previous.text[-1:]):
        return ""
    return " "


def read_pdf(data: bytes) -> str:
    """A PDF's text layer in reading order, wrapped lines joined back into paragraphs by their layout."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its repair notes are not the user's concern

    if not data[:1024].lstrip().startswith(PDF_MAGIC):
        raise ReadError("not a PDF file (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ReadError("the PDF is encrypted")
        pages = [_pdf_lines(page) for page in reader.pages]
    except ReadError:
        raise
    except PdfReadError as exc:
        raise ReadError(f"unreadable PDF ({exc})") from exc
    except Exception as exc:  # a damaged file fails inside pypdf in many ways; it stays this file's error
        raise ReadError(f"unreadable PDF ({type(exc).__name__}: {exc})") from exc
    if not any(pages):
        raise ReadError(NO_TEXT_LAYER)
    parts: list[str] = []
    previous: _PdfLine | None = None
    for lines in pages:
        left = min((line.left for line in lines), default=0.0)
        right = max((line.right for line in lines), default=0.0)
        for index, line in enumerate(lines):
            if previous is None:
                parts.append(line.text)
            elif index == 0:  # a new page continues the paragraph only when the last one stopped mid-sentence
                parts.append(("\n\n" if previous.text.endswith(TERMINAL) else " ") + line.text)
            else:
                parts.append(_joins(previous, line, left, right) + line.text)
            previous = line
    return "".join(parts)


# ---------------------------------------------------------------- Word

WORD_MAIN_PART = "word/document.xml"
ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
         (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]  # fmt: skip
CHINESE_DIGITS = "〇一二三四五六七八九"


def roman(number: int) -> str:
    out = ""
    for value, letters in ROMAN:
        while number >= value:
            out += letters
            number -= value
    return out


def chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (the counting Word's chineseCounting format shows)."""
    if number < 10:
        return CHINESE_DIGITS[number]
    tens, units = divmod(number, 10)
    return f"{CHINESE_DIGITS[tens] if tens > 1 else ''}十{CHINESE_DIGITS[units] if units else ''}"


NUMBER_FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "upperRoman": roman,
    "lowerRoman": lambda n: roman(n).lower(),
    "upperLetter": lambda n: chr(ord("A") + (n - 1) % 26),
    "lowerLetter": lambda n: chr(ord("a") + (n - 1) % 26),
    "chineseCounting": chinese_number,
    "chineseCountingThousand": chinese_number,
    "chineseLegalSimplified": chinese_number,
    "ideographTraditional": lambda n: "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10],
    "decimalFullWidth": lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
}


class _ListNumbers:
    """Word's automatic list numbers, which python-docx does not render: counted from numbering.xml.

    Counters belong to a numbering instance when it restarts (w:startOverride), else to the abstract
    definition it shares with other instances, as Word counts them.
    """

    def __init__(self, document: DocxDocument) -> None:
        from docx.oxml.ns import qn

        self._qn = qn
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}
        self.instances: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        for abstract in numbering.findall(qn("w:abstractNum")):
            levels: dict[int, tuple[int, str, str]] = {}
            for level in abstract.findall(qn("w:lvl")):
                start = self._val(level, "w:start", "1")
                levels[int(level.get(qn("w:ilvl")))] = (
                    int(start),
                    self._val(level, "w:numFmt", "decimal"),
                    self._val(level, "w:lvlText", ""),
                )
            self.levels[abstract.get(qn("w:abstractNumId"))] = levels
        for num in numbering.findall(qn("w:num")):
            overrides = {
                int(o.get(qn("w:ilvl"))): int(self._val(o, "w:startOverride", "1"))
                for o in num.findall(qn("w:lvlOverride"))
                if o.find(qn("w:startOverride")) is not None
            }
            self.instances[num.get(qn("w:numId"))] = (self._val(num, "w:abstractNumId", ""), overrides)

    def _val(self, element: object, child: str, default: str) -> str:
        found = element.find(self._qn(child))  # type: ignore[attr-defined]
        return found.get(self._qn("w:val")) if found is not None else default

    def label(self, num_id: str, level: int) -> str:
        """The next number of this list at this level, formatted as the list shows it ("3.", "(二)")."""
        if num_id not in self.instances:
            return ""
        abstract_id, overrides = self.instances[num_id]
        levels = self.levels.get(abstract_id, {})
        if level not in levels or levels[level][1] in {"bullet", "none"}:
            return ""
        counters = self.counters.setdefault(num_id if overrides else abstract_id, {})
        start = overrides.get(level, levels[level][0])
        counters[level] = counters.get(level, start - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]

        def number(match: re.Match[str]) -> str:
            shown = int(match[1]) - 1
            _, fmt, _ = levels.get(shown, (1, "decimal", ""))
            value = counters.get(shown, levels.get(shown, (1,))[0])
            return NUMBER_FORMATS.get(fmt, str)(value)

        return re.sub(r"%([1-9])", number, levels[level][2])


def _numbering_of(paragraph: object) -> tuple[str, int] | None:
    """(numId, level) of an auto-numbered paragraph, from the paragraph or its style chain."""
    element = paragraph._p  # type: ignore[attr-defined]
    num_pr = element.pPr.numPr if element.pPr is not None else None
    style = paragraph.style  # type: ignore[attr-defined]
    while num_pr is None and style is not None:
        p_pr = style.element.pPr
        num_pr = p_pr.numPr if p_pr is not None else None
        style = style.base_style
    if num_pr is None or num_pr.numId is None or num_pr.numId.val == 0:
        return None
    level = num_pr.ilvl.val if num_pr.ilvl is not None else 0
    return str(num_pr.numId.val), level


def _heading_level(style_name: str) -> int | None:
    if style_name == "Title":
        return 1
    if match := re.fullmatch(r"Heading ([1-9])", style_name):
        return min(int(match[1]) + 1, 6)
    return None


def _docx_blocks(document: DocxDocument) -> Iterator[str]:
    from docx.table import Table

    numbers = _ListNumbers(document)
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                cells = [c.text.strip() for c in row.cells if c.text.strip()]
                if cells:
                    yield "\n".join(dict.fromkeys(cells))  # merged cells repeat their text
            continue
        text = re.sub(r"[ \t]+", " ", item.text).strip()
        if not text:
            continue
        numbered = _numbering_of(item)
        label = numbers.label(*numbered) if numbered else ""
        line = f"{label} {text}" if label else text
        level = _heading_level(item.style.name if item.style is not None else "")
        yield f"{'#' * level} {line}" if level else line


def read_docx(data: bytes) -> str:
    """A Word file's paragraphs in order: heading styles as '#' lines, auto-numbered items with their
    number."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if not data.startswith(ZIP_MAGIC):
        raise ReadError("not a Word .docx file (not a ZIP package)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            if WORD_MAIN_PART not in package.namelist():
                raise ReadError(f"not a Word .docx file (the ZIP has no {WORD_MAIN_PART})")
    except zipfile.BadZipFile as exc:
        raise ReadError(f"damaged .docx file ({exc})") from exc
    try:
        document = docx.Document(io.BytesIO(data))
        return "\n\n".join(_docx_blocks(document))
    except PackageNotFoundError as exc:
        raise ReadError(f"unreadable .docx file ({exc})") from exc
    except Exception as exc:  # malformed XML fails inside python-docx/lxml in many ways; it stays this file's
        raise ReadError(f"unreadable .docx file ({type(exc).__name__}: {exc})") from exc


# ---------------------------------------------------------------- the registry

READERS: dict[str, Reader] = {
    ".txt": Reader("txt", read_plain_text),
    ".md": Reader("markdown", read_plain_text),
    ".html": Reader("html", read_html),
    ".htm": Reader("html", read_html),
    ".pdf": Reader("pdf", read_pdf),
    ".docx": Reader("docx", read_docx),
}


def reader_for(path: Path) -> Reader | None:
    return READERS.get(path.suffix.lower())


def read_document(path: Path, data: bytes) -> str:
    """The text of a document file through its format's reader; raises ReadError naming the problem."""
    reader = reader_for(path)
    if reader is None:
        raise ReadError(unsupported_reason(path))
    return reader.read(data)


def unsupported_reason(path: Path) -> str:
    kind = f"'{path.suffix}'" if path.suffix else "without an extension"
    return f"unsupported file type {kind} (supported: {', '.join(sorted(READERS))})"
