"""The documented entry point `uvicorn assistant.api:create_app --factory`, kept where it always was.

The app itself is built in `assistant/surfaces/http/app.py`.
"""

from assistant.surfaces.http.app import create_app

__all__ = ["create_app"]
