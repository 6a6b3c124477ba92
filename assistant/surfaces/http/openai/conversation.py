"""Reading a chat request: the question, the turns before it, and the prompt text to count."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.core.types import Turn
from assistant.surfaces.http.openai.errors import invalid
from assistant.surfaces.http.openai.schemas import ChatMessage

SOURCES_HEADING = "\n\nSources:\n"


@dataclass
class Conversation:
    """What a chat request asks: the question, the turns before it, and the prompt text to count."""

    question: str
    history: list[Turn]
    prompt: str


def message_text(message: ChatMessage, index: int) -> str:
    """A message's text; any part that is not text (an image, audio, a file) is refused."""
    if not isinstance(message.content, list):
        return message.content or ""
    for number, part in enumerate(message.content):
        if part.type != "text":
            raise invalid(
                f"Content parts of type {part.type!r} are not supported: PolicyQA reads text only.",
                f"messages[{index}].content[{number}]",
            )
    return "\n".join(part.text for part in message.content)


def read_conversation(messages: list[ChatMessage]) -> Conversation:
    """The last user message as the question, and the user and assistant messages before it as history."""
    if not messages:
        raise invalid("'messages' must hold at least one message.", "messages")
    texts = [message_text(message, index) for index, message in enumerate(messages)]
    last = max((i for i, message in enumerate(messages) if message.role == "user"), default=None)
    if last is None:
        raise invalid("'messages' holds no user message: its content is the question.", "messages")
    question = texts[last].strip()
    if not question:
        raise invalid("The last user message is empty.", f"messages[{last}].content")
    history = [
        # Our own Sources list is dropped, so the history holds answers as the answerer wrote them.
        Turn(role=message.role, content=text.partition(SOURCES_HEADING)[0])
        for message, text in zip(messages[:last], texts[:last], strict=True)
        if message.role in ("user", "assistant") and text.strip()
    ]
    return Conversation(question=question, history=history, prompt="\n".join(texts))
