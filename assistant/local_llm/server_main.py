"""Run `llama_cpp.server` tied to the process that started it.

PolicyQA starts the local model server itself; if PolicyQA dies without stopping it (killed, crashed),
the server must not live on holding a port and memory. A watchdog thread ends it once its parent is gone.
Usage: python -m assistant.local_llm.server_main <llama_cpp.server arguments…>
"""

from __future__ import annotations

import os
import runpy
import sys
import threading
import time


def exit_with_parent(parent: int, interval_s: float = 1.0) -> None:
    """End this process as soon as `parent` is no longer its parent (it died and we were re-parented)."""
    while os.getppid() == parent:
        time.sleep(interval_s)
    os._exit(0)


def main() -> None:
    threading.Thread(target=exit_with_parent, args=(os.getppid(),), daemon=True).start()
    sys.argv = ["llama_cpp.server", *sys.argv[1:]]
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
