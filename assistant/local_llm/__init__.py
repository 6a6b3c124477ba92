"""The bundled local model: SmolLM2 served by llama-cpp-python on localhost, and the check of its build.

Kept apart from the answering core: this is process management for one optional backend, which the LLM
answerer reaches only through an OpenAI-compatible base URL.
"""
