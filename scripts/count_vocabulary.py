"""Count the hand-written vocabulary of question reading: regular expressions, listed words, glossary entries.

Issue 16 asks that these shrink, not grow. A regex is a `re.compile`/`re.search`/`re.match`/`re.fullmatch`/
`re.findall`/`re.finditer`/`re.sub` call or a string value of a dict of patterns; a listed word is a word
of a string literal passed to `content_words` at module level, or a string element of a module-level
list/set/dict literal of strings. Run: python scripts/count_vocabulary.py [files…]
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

DEFAULT_FILES = [
    "assistant/core/understand/question.py",
    "assistant/core/understand/checks.py",
    "assistant/core/evidence.py",
    "assistant/core/answer/extractive.py",
    "assistant/core/answer/pipeline.py",
    "assistant/core/understand/terms.py",
]
RE_CALLS = {"compile", "search", "match", "fullmatch", "findall", "finditer", "sub", "split"}


def count_file(path: Path) -> tuple[int, int]:
    """(regexes, listed words) of one Python file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    regexes = sum(
        1
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "re"
        and node.func.attr in RE_CALLS
    )
    words = 0
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if value is None:
            continue
        for inner in ast.walk(value):
            if isinstance(inner, ast.Call) and getattr(inner.func, "id", "") == "content_words":
                words += sum(
                    len(a.value.split())
                    for a in inner.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                )
            elif isinstance(inner, ast.List | ast.Set | ast.Tuple):
                words += sum(1 for e in inner.elts if isinstance(getattr(e, "value", None), str))
            elif isinstance(inner, ast.Dict):
                words += sum(1 for k in inner.keys if isinstance(getattr(k, "value", None), str))
    return regexes, words


def main(argv: list[str]) -> None:
    files = [Path(f) for f in (argv or DEFAULT_FILES) if Path(f).exists()]
    total_re = total_words = 0
    for path in files:
        regexes, words = count_file(path)
        total_re, total_words = total_re + regexes, total_words + words
        print(f"{path}: {regexes} regexes, {words} listed words")
    glossary = json.loads(Path("documents/glossary.json").read_text(encoding="utf-8"))
    entries = sum(1 for k in glossary if not k.startswith("_"))
    print(f"total: {total_re} regexes, {total_words} listed words, {entries} glossary entries")


if __name__ == "__main__":
    main(sys.argv[1:])
