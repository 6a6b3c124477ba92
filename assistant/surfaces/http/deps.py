"""FastAPI dependencies every router shares: the one service of the app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.service import PolicyQA


def get_service(request: Request) -> PolicyQA:
    """The app's service (`app.state.service`), set once by `create_app`."""
    service: PolicyQA = request.app.state.service
    return service


ServiceDep = Annotated[PolicyQA, Depends(get_service)]
