"""OpenAI-compatible chat API: `/v1/models` and `/v1/chat/completions`, so any OpenAI client can ask PolicyQA.

Each answerer is offered as a model `policyqa-<name>`. The last user message is the question and the user and
assistant messages before it are the history; system messages are allowed but never change an answer. The
reply's content is the cited answer followed by a "Sources" list; the structured citations travel in the extra
top-level field `policyqa`, which other clients ignore. The errors of these routes, authentication and
malformed bodies included, come in OpenAI's error shape, so the SDKs raise their usual exceptions.
"""
