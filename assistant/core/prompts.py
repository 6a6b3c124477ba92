"""Prompt templates: text files in `prompts/`, loaded by name."""

from __future__ import annotations

import re

from assistant.core.answer.base import prompts_dir


class PromptNotFoundError(FileNotFoundError):
    """No prompt file of that name exists in `prompts/`."""


def load_prompt(name: str) -> str:
    """The text of `prompts/<name>.txt`, without surrounding whitespace."""
    if not re.fullmatch(r"[\w-]+", name):
        raise ValueError(f"invalid prompt name {name!r}: use letters, digits, '_' and '-' only")
    folder = prompts_dir()
    path = folder / f"{name}.txt"
    if not path.is_file():
        available = ", ".join(sorted(p.stem for p in folder.glob("*.txt"))) or "none"
        raise PromptNotFoundError(
            f"prompt {name!r} not found: {path} does not exist (available: {available})"
        )
    return path.read_text(encoding="utf-8").strip()
