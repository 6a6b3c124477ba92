"""FastAPI dependencies every router shares: the one service of the app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.service import PolicyQA


async def get_service(request: Request) -> PolicyQA:
    """The app's service (`app.state.service`), set once by `create_app`.

    Async because it only reads an attribute: FastAPI runs a plain `def` dependency in its thread pool,
    a hop between threads on every request that uses it."""
    service: PolicyQA = request.app.state.service
    return service


ServiceDep = Annotated[PolicyQA, Depends(get_service)]
