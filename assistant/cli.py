"""The documented entry points `policyqa` (pyproject's `assistant.cli:app`) and `python -m assistant.cli`.

The commands themselves are in `assistant/surfaces/cli.py`.
"""

import sys

from assistant.surfaces.cli import app

__all__ = ["app"]

if __name__ == "__main__":
    sys.exit(app())
