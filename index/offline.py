"""Keep every library off the network: model hubs, tiktoken downloads and telemetry.

Called once by each entry point before the libraries are imported; the variables only tell libraries
not to fetch, so setting them never changes a result.
"""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",  # chromadb
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


# Progress bars and advice the libraries print on their own ("Loading weights: 100%|███| 103/103"): noise in a
# terminal, in --json output and in the server's JSON logs. PolicyQA shows its own progress for long work.
QUIET_ENV = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
}


def quiet_libraries() -> None:
    """Stop third-party libraries from printing their own progress bars and advisory warnings."""
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)


def enforce_offline() -> None:
    """Tell the ML libraries to load only local files and report nothing."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
