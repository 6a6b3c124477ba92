"""The documented entry points `policyqa` (pyproject's `assistant.cli:main`) and `python -m assistant.cli`.

The commands themselves are in `assistant/surfaces/cli.py`.
"""

import sys

from assistant.surfaces.cli import app, main

__all__ = ["app", "main"]

if __name__ == "__main__":
    sys.exit(main())
