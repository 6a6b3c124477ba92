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


def enforce_offline() -> None:
    """Tell the ML libraries to load only local files and report nothing."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
