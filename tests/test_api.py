"""The HTTP API on real uvicorn servers using the session index: contract, errors, auth, limits, streams."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from browser_support import free_port
from server_support import OFF_TOPIC_QUESTION, PAYMENT_QUESTION, PRICE_QUESTION, running_server

from assistant.service import PolicyQA
from assistant.settings import Settings
from assistant.surfaces.http.app import create_app

KEYS = ["key-a", "key-b"]
ALLOWED_ORIGIN = "http://allowed.example"
CITATION_FIELDS = {"id", "year", "section", "task", "title", "text", "quote", "score"}
ANSWER_FIELDS = {"answer", "citations", "refused", "grounding", "model", "timings_ms", "refusal"}
DOWN_ENDPOINT = {"name": "down", "base_url": f"http://127.0.0.1:{free_port()}/v1", "model": "none"}


@dataclass
class Server:
    base_url: str
    log_path: Path


@pytest.fixture(scope="module")
def api(server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The API with API keys and CORS on, rate limiting and the UI off, and an LLM endpoint nobody serves."""
    log_path = tmp_path_factory.mktemp("api-logs") / "server.log"
    extra_env = {
        "POLICYQA_UI": "false",
        "POLICYQA_API_KEYS": json.dumps(KEYS),
        "POLICYQA_RATE_LIMIT_PER_MINUTE": "0",
        "POLICYQA_CORS_ORIGINS": json.dumps([ALLOWED_ORIGIN]),
        "POLICYQA_LLM_ENDPOINTS": json.dumps([DOWN_ENDPOINT]),
    }
    with running_server(server_env, extra_env, log_path=log_path) as base_url:
        yield Server(base_url, log_path)


@pytest.fixture(scope="module")
def client(api: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.base_url, headers={"X-API-Key": KEYS[0]}, timeout=60.0) as http:
        yield http


@pytest.fixture(scope="module")
def unready(server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API on an empty data folder (no index), with a budget of 3 requests per minute per client."""
    extra_env = {
        "POLICYQA_UI": "false",
        "POLICYQA_DATA_DIR": str(tmp_path_factory.mktemp("no-index")),
        "POLICYQA_API_KEYS": json.dumps(["probe", "limited-1", "limited-2"]),
        "POLICYQA_RATE_LIMIT_PER_MINUTE": "3",
    }
    with running_server(server_env, extra_env, wait_ready=False) as base_url:
        wait_for_failed_load(base_url)
        yield base_url


def wait_for_failed_load(base_url: str, attempts: int = 300) -> None:
    """Poll /readyz until the background load has given up (it says why instead of "still loading")."""
    for _ in range(attempts):
        if "still loading" not in httpx.get(f"{base_url}/readyz").json()["error"]["message"]:
            return
        time.sleep(0.2)
    raise AssertionError("the load of a missing index never failed")


def assert_error(response: httpx.Response, status: int, code: str, field: str | None = None) -> dict:
    """The response is the API's error shape with this status, code and field; returns the error object."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error", "request_id"}
    assert body["request_id"] == response.headers["x-request-id"]
    error = body["error"]
    assert error["code"] == code
    assert error["message"]
    assert error.get("field") == field
    return error


def cited_ids(answer: dict) -> list[str]:
    return [c["id"] for c in answer["citations"]]


# POST /ask


def test_ask_answers_with_the_contract_fields(client: httpx.Client) -> None:
    response = client.post("/ask", json={"question": PRICE_QUESTION})
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) >= ANSWER_FIELDS
    assert "September 2021" in answer["answer"]
    assert answer["refused"] is False
    assert 0.0 <= answer["grounding"] <= 1.0
    assert answer["model"] == "extractive"
    assert answer["timings_ms"] and all(isinstance(v, float) for v in answer["timings_ms"].values())
    citation = answer["citations"][0]
    assert set(citation) >= CITATION_FIELDS
    assert citation["id"] == "2021-3"
    assert (citation["year"], citation["task"], citation["section"]) == (2021, 3, "1")
    assert citation["title"] == "Deepen the reform of medical service prices"
    assert citation["quote"] in citation["text"]
    assert "September 2021" in citation["quote"]
    assert isinstance(citation["score"], float)


def test_ask_cites_the_responsible_departments_task(client: httpx.Client) -> None:
    answer = client.post("/ask", json={"question": PAYMENT_QUESTION}).json()
    assert cited_ids(answer) == ["2021-5"]
    assert "National Medical Insurance Bureau" in answer["answer"]


def test_ask_refuses_a_question_the_documents_do_not_answer(client: httpx.Client) -> None:
    answer = client.post("/ask", json={"question": OFF_TOPIC_QUESTION}).json()
    assert answer["refused"] is True
    assert answer["citations"] == []


def test_ask_restricts_citations_to_the_year(client: httpx.Client) -> None:
    question = "What does the plan say about medical insurance payment methods?"
    answer = client.post("/ask", json={"question": question, "year": 2022, "top_k": 3}).json()
    assert answer["citations"]
    assert {c["year"] for c in answer["citations"]} == {2022}


def test_ask_follows_the_conversation_history(client: httpx.Client) -> None:
    first = client.post("/ask", json={"question": PRICE_QUESTION}).json()
    history = [{"role": "user", "content": PRICE_QUESTION}, {"role": "assistant", "content": first["answer"]}]
    answer = client.post("/ask", json={"question": "Who is responsible for it?", "history": history}).json()
    assert cited_ids(answer) == ["2021-3"]


def test_ask_names_the_model_explicitly(client: httpx.Client) -> None:
    answer = client.post("/ask", json={"question": PRICE_QUESTION, "model": "extractive"}).json()
    assert answer["model"] == "extractive"


def test_question_is_trimmed_before_the_length_check(client: httpx.Client) -> None:
    response = client.post("/ask", json={"question": "  " + "x" * 2000 + "  "})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question": ""}, "question"),
        ({"question": "   \n\t "}, "question"),
        ({"question": "x" * 2001}, "question"),
        ({}, "question"),
        ({"question": 42}, "question"),
        ({"question": PRICE_QUESTION, "top_k": 0}, "top_k"),
        ({"question": PRICE_QUESTION, "top_k": 21}, "top_k"),
        ({"question": PRICE_QUESTION, "top_k": "many"}, "top_k"),
        ({"question": PRICE_QUESTION, "history": [{"role": "system", "content": "x"}]}, "history.0.role"),
        ({"question": PRICE_QUESTION, "history": "earlier"}, "history"),
        ({"question": PRICE_QUESTION, "topk": 3}, "topk"),
    ],
)
def test_ask_rejects_invalid_fields(client: httpx.Client, body: dict, field: str) -> None:
    error = assert_error(client.post("/ask", json=body), 422, "validation_error", field)
    assert field in error["message"]


def test_ask_rejects_a_year_that_is_not_indexed(client: httpx.Client) -> None:
    response = client.post("/ask", json={"question": PRICE_QUESTION, "year": 1999})
    error = assert_error(response, 422, "invalid_choice", "year")
    assert error["allowed"] == [2021, 2022]
    assert "2021" in error["message"]


def test_ask_rejects_an_unknown_model(client: httpx.Client) -> None:
    response = client.post("/ask", json={"question": PRICE_QUESTION, "model": "gpt-17"})
    error = assert_error(response, 422, "invalid_choice", "model")
    assert "extractive" in error["allowed"]
    assert "gpt-17" in error["message"]


def test_an_unreachable_model_is_a_503(client: httpx.Client) -> None:
    response = client.post("/ask", json={"question": PRICE_QUESTION, "model": "down"})
    error = assert_error(response, 503, "model_unavailable")
    assert "down" in error["message"]
    assert response.headers["retry-after"]
    assert client.get("/models").status_code == 200  # the connection survived the error


def test_malformed_json_is_a_400(client: httpx.Client) -> None:
    response = client.post("/ask", content=b'{"question": "x",', headers={"Content-Type": "application/json"})
    error = assert_error(response, 400, "invalid_json")
    assert "JSON" in error["message"]


def test_json_that_is_not_an_object_is_a_422(client: httpx.Client) -> None:
    assert_error(client.post("/ask", json=["question"]), 422, "validation_error")


@pytest.mark.parametrize(
    "headers",
    [{"Content-Type": "text/plain"}, {"Content-Type": "application/x-www-form-urlencoded"}, {}],
    ids=["text", "form", "none"],
)
def test_a_body_that_is_not_declared_json_is_a_415(client: httpx.Client, headers: dict[str, str]) -> None:
    response = client.post("/ask", content=json.dumps({"question": PRICE_QUESTION}), headers=headers)
    error = assert_error(response, 415, "unsupported_media_type")
    assert "application/json" in error["message"]


def test_a_body_over_the_limit_is_a_413(client: httpx.Client, settings: Settings) -> None:
    body = json.dumps({"question": "x" * settings.max_body_bytes}).encode()
    response = client.post("/ask", content=body, headers={"Content-Type": "application/json"})
    error = assert_error(response, 413, "payload_too_large")
    assert str(settings.max_body_bytes) in error["message"]


def test_a_chunked_body_over_the_limit_is_a_413(client: httpx.Client, settings: Settings) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(settings.max_body_bytes // 1024 + 1):
            yield b"x" * 1024
        yield b'"}'

    response = client.post("/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "payload_too_large")


# POST /ask/stream


def parse_sse(text: str) -> list[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream body; comment lines (keep-alives) are skipped."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in block.split("\n") if line and not line.startswith(":")]
        if lines:
            fields = [line.partition(":")[::2] for line in lines]
            event = next((v.strip() for k, v in fields if k == "event"), "message")
            data = "\n".join(v.removeprefix(" ") for k, v in fields if k == "data")
            events.append((event, data))
    return events


def test_stream_sends_deltas_then_the_whole_answer(client: httpx.Client) -> None:
    # three tasks fall due by then (2021 tasks 2, 3 and 11): several sentences, streamed one by one
    question = "What is due before the end of September 2021?"
    with client.stream("POST", "/ask/stream", json={"question": question}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-request-id"]
        events = parse_sse(response.read().decode())
    names = [name for name, _ in events]
    assert names[-1] == "answer"
    assert set(names[:-1]) == {"delta"}
    assert len(names) >= 4
    deltas = [json.loads(data)["text"] for _, data in events[:-1]]
    answer = json.loads(events[-1][1])
    assert set(answer) >= ANSWER_FIELDS
    assert "".join(deltas) == answer["answer"]
    assert "September 2021" in answer["answer"]
    assert cited_ids(answer) == ["2021-2", "2021-3", "2021-11"]
    assert set(answer["citations"][0]) >= CITATION_FIELDS
    assert answer["answer"] == client.post("/ask", json={"question": question}).json()["answer"]


def test_stream_of_a_refusal_ends_with_the_refused_answer(client: httpx.Client) -> None:
    with client.stream("POST", "/ask/stream", json={"question": OFF_TOPIC_QUESTION}) as response:
        events = parse_sse(response.read().decode())
    assert events[-1][0] == "answer"
    assert json.loads(events[-1][1])["refused"] is True


def test_a_failure_after_the_stream_opens_is_an_error_event(client: httpx.Client) -> None:
    with client.stream("POST", "/ask/stream", json={"question": PRICE_QUESTION, "model": "down"}) as response:
        assert response.status_code == 200
        events = parse_sse(response.read().decode())
    assert [name for name, _ in events] == ["error"]
    body = json.loads(events[0][1])
    assert body["error"]["code"] == "model_unavailable"
    assert "down" in body["error"]["message"]
    assert body["request_id"] == response.headers["x-request-id"]


def test_stream_rejects_a_bad_request_before_it_opens(client: httpx.Client) -> None:
    response = client.post("/ask/stream", json={"question": PRICE_QUESTION, "year": 2030})
    assert_error(response, 422, "invalid_choice", "year")
    assert_error(client.post("/ask/stream", json={"question": " "}), 422, "validation_error", "question")


# GET /tasks, /tasks/{id}, /search, /models


def test_tasks_lists_every_task_in_document_order(client: httpx.Client) -> None:
    listing = client.get("/tasks").json()
    ids = [t["id"] for t in listing["tasks"]]
    assert listing["count"] == len(ids) == 26
    assert ids[:3] == ["2021-1", "2021-2", "2021-3"]
    assert ids[-1] == "2022-6"
    assert {t["kind"] for t in listing["tasks"]} == {"task"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"year": 2022}, ["2022-1", "2022-2", "2022-3", "2022-4", "2022-5", "2022-6"]),
        ({"year": 2021, "section": "1"}, ["2021-1", "2021-2", "2021-3", "2021-4", "2021-5", "2021-6"]),
        ({"has_deadline": "true"}, ["2021-2", "2021-3", "2021-7", "2021-11"]),
    ],
)
def test_tasks_filters(client: httpx.Client, params: dict, expected: list[str]) -> None:
    assert [t["id"] for t in client.get("/tasks", params=params).json()["tasks"]] == expected


def test_tasks_filter_by_department_matches_any_name_variant(client: httpx.Client) -> None:
    tasks = client.get("/tasks", params={"department": "National Medical Insurance Bureau"}).json()["tasks"]
    assert "2021-5" in [t["id"] for t in tasks]
    assert all("National Healthcare Security Administration" in t["departments"] for t in tasks)


def test_tasks_rejects_bad_filters(client: httpx.Client) -> None:
    assert_error(client.get("/tasks", params={"year": 1999}), 422, "invalid_choice", "year")
    assert_error(
        client.get("/tasks", params={"has_deadline": "perhaps"}), 422, "validation_error", "has_deadline"
    )


def test_task_returns_the_full_task(client: httpx.Client) -> None:
    task = client.get("/tasks/2021-3").json()
    assert task["id"] == "2021-3"
    assert (task["year"], task["number"], task["kind"]) == (2021, 3, "task")
    assert task["label"] == "2021 task (3)"
    assert task["section"]["number"] == "1"
    assert task["title"] == "Deepen the reform of medical service prices"
    assert task["sentences"] and all(sentence in task["text"] for sentence in task["sentences"])
    assert "National Healthcare Security Administration" in task["departments"]
    assert "National Medical Insurance Bureau" in task["departments_as_written"]
    assert [d["month"] for d in task["deadlines"]] == ["2021-09"]
    assert "September 2021" in task["deadlines"][0]["sentence"]


def test_task_serves_units_that_are_not_tasks(client: httpx.Client) -> None:
    notice = client.get("/tasks/2021-notice").json()
    assert (notice["kind"], notice["number"], notice["label"]) == ("notice", None, "2021 notice")


def test_unknown_task_is_a_404(client: httpx.Client) -> None:
    error = assert_error(client.get("/tasks/2021-99"), 404, "not_found", "task_id")
    assert "2021-99" in error["message"]


def test_search_ranks_units_with_scores(client: httpx.Client) -> None:
    result = client.get("/search", params={"q": "medical insurance payment methods", "top_k": 4}).json()
    hits = result["hits"]
    assert result["query"] == "medical insurance payment methods"
    assert 1 <= len(hits) <= 4
    assert hits[0]["id"] == "2021-5"
    assert (hits[0]["task"], hits[0]["label"]) == (5, "2021 task (5)")
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(hit["text"] and hit["similarity"] >= 0 for hit in hits)


def test_search_filters_by_year(client: httpx.Client) -> None:
    hits = client.get("/search", params={"q": "medical insurance", "year": 2022}).json()["hits"]
    assert hits
    assert {hit["year"] for hit in hits} == {2022}


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({}, "validation_error", "q"),
        ({"q": "  "}, "validation_error", "q"),
        ({"q": "insurance", "top_k": 21}, "validation_error", "top_k"),
        ({"q": "insurance", "year": 2020}, "invalid_choice", "year"),
    ],
)
def test_search_rejects_bad_parameters(client: httpx.Client, params: dict, code: str, field: str) -> None:
    assert_error(client.get("/search", params=params), 422, code, field)


def test_models_lists_the_default_first(client: httpx.Client) -> None:
    models = client.get("/models").json()
    assert models["default"] == "extractive"
    assert models["models"][0] == "extractive"


# health, auth, CORS, request ids, docs


def test_probes_are_open_and_readyz_describes_the_index(api: Server) -> None:
    assert httpx.get(f"{api.base_url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{api.base_url}/readyz").json()
    assert ready["status"] == "ready"
    assert (ready["documents"], ready["years"], ready["tasks"]) == (2, [2021, 2022], 26)
    assert ready["chunks"] >= ready["tasks"]
    assert ready["embedding_model"] == "all-MiniLM-L6-v2"


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEYS[0]}"}],
    ids=["none", "wrong-header", "wrong-bearer", "not-bearer"],
)
def test_api_routes_need_a_valid_key(api: Server, headers: dict[str, str]) -> None:
    response = httpx.get(f"{api.base_url}/tasks", headers=headers)
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "headers", [{"X-API-Key": KEYS[1]}, {"Authorization": f"Bearer {KEYS[1]}"}], ids=["header", "bearer"]
)
def test_either_key_header_is_accepted(api: Server, headers: dict[str, str]) -> None:
    response = httpx.post(
        f"{api.base_url}/ask", json={"question": PAYMENT_QUESTION}, headers=headers, timeout=60
    )
    assert response.status_code == 200
    assert cited_ids(response.json()) == ["2021-5"]


def test_a_non_ascii_key_is_refused_not_crashed(api: Server) -> None:
    response = httpx.get(f"{api.base_url}/models", headers={"X-API-Key": "clé".encode("latin-1")})
    assert_error(response, 401, "unauthorized")


def test_cors_allows_only_the_configured_origins(api: Server) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-api-key"}
    allowed = httpx.options(f"{api.base_url}/ask", headers={"Origin": ALLOWED_ORIGIN, **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    other = httpx.options(f"{api.base_url}/ask", headers={"Origin": "http://evil.example", **preflight})
    assert "access-control-allow-origin" not in other.headers


def test_request_id_is_honoured_and_logged(api: Server, client: httpx.Client) -> None:
    response = client.get("/tasks/2021-5", headers={"X-Request-ID": "trace-42.a"})
    assert response.headers["x-request-id"] == "trace-42.a"
    access = access_log_entries(api.log_path, "trace-42.a")
    assert {"logger": "policyqa.access", "path": "/tasks/2021-5", "status": 200}.items() <= access[-1].items()


def access_log_entries(log_path: Path, request_id: str, wait_s: float = 10.0) -> list[dict[str, object]]:
    """The server's JSON log lines for a request; the server may write them just after the response."""
    deadline = time.monotonic() + wait_s
    while True:
        lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
        found = [entry for entry in lines if entry.get("request_id") == request_id]
        if any(entry.get("logger") == "policyqa.access" for entry in found) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_an_unsafe_request_id_is_replaced(client: httpx.Client) -> None:
    response = client.get("/models", headers={"X-Request-ID": "two words\tand a tab"})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_unknown_route_and_method_use_the_error_shape(client: httpx.Client) -> None:
    assert_error(client.get("/nowhere"), 404, "not_found")
    assert_error(client.delete("/ask"), 405, "method_not_allowed")


def test_docs_load_no_external_assets(api: Server) -> None:
    key = {"X-API-Key": KEYS[0]}  # with keys set the docs are behind them (POLICYQA_PUBLIC_DOCS=false)
    html = httpx.get(f"{api.base_url}/docs", headers=key).text
    assets = re.findall(r"""(?:src|href)=["']([^"']+)""", html)
    assert assets
    for asset in assets:
        assert asset.startswith("/"), asset
        assert httpx.get(f"{api.base_url}{asset}", headers=key).status_code == 200
    assert "validatorUrl" in html
    schema = httpx.get(f"{api.base_url}/openapi.json", headers=key).json()
    assert {"/ask", "/ask/stream", "/tasks", "/tasks/{task_id}", "/search", "/healthz", "/readyz"} <= set(
        schema["paths"]
    )


def test_root_redirects_to_the_docs_when_the_ui_is_off(api: Server) -> None:
    response = httpx.get(f"{api.base_url}/")
    assert response.status_code == 307
    assert response.headers["location"] == "/docs"


def test_admin_routes_are_disabled_without_an_admin_key(client: httpx.Client) -> None:
    assert_error(client.post("/admin/reindex", headers={"X-Admin-Key": "x"}), 403, "admin_disabled")


# concurrency


def test_fifty_concurrent_questions_are_all_answered(api: Server) -> None:
    cases = [(PRICE_QUESTION, "2021-3"), (PAYMENT_QUESTION, "2021-5"), (OFF_TOPIC_QUESTION, None)] * 17
    cases = cases[:50]

    async def ask_all() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(
            base_url=api.base_url, headers={"X-API-Key": KEYS[0]}, timeout=120.0, limits=limits
        ) as http:
            return await asyncio.gather(*(http.post("/ask", json={"question": q}) for q, _ in cases))

    responses = asyncio.run(ask_all())
    assert [r.status_code for r in responses] == [200] * 50
    for response, (_, expected) in zip(responses, cases, strict=True):
        answer = response.json()
        if expected is None:
            assert answer["refused"] is True
        else:
            assert cited_ids(answer)[0] == expected
    assert len({r.headers["x-request-id"] for r in responses}) == 50


# no index, rate limits


def test_without_an_index_queries_are_503_and_probes_say_why(unready: str) -> None:
    headers = {"X-API-Key": "probe"}
    assert httpx.get(f"{unready}/healthz").status_code == 200
    error = assert_error(httpx.get(f"{unready}/readyz"), 503, "index_unavailable")
    assert "policyqa ingest" in error["message"]
    ask = httpx.post(f"{unready}/ask", json={"question": PRICE_QUESTION}, headers=headers)
    assert_error(ask, 503, "index_unavailable")
    assert ask.headers["retry-after"]
    stream = httpx.post(f"{unready}/ask/stream", json={"question": PRICE_QUESTION}, headers=headers)
    assert_error(stream, 503, "index_unavailable")


def test_rate_limit_is_per_client_and_says_when_to_retry(unready: str) -> None:
    def models(key: str) -> httpx.Response:
        return httpx.get(f"{unready}/models", headers={"X-API-Key": key})

    assert [models("limited-1").status_code for _ in range(3)] == [200] * 3
    limited = models("limited-1")
    error = assert_error(limited, 429, "rate_limited")
    assert "3 requests per minute" in error["message"]
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert models("limited-2").status_code == 200
    assert httpx.get(f"{unready}/healthz").status_code == 200


def test_first_load_still_running_is_a_503(settings: Settings) -> None:
    """In process, without the lifespan, so the service is certainly not loaded yet."""
    app_settings = settings.model_copy(update={"ui": False, "api_keys": [], "rate_limit_per_minute": 0})
    app = create_app(app_settings, PolicyQA(app_settings))

    async def get(path: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://policyqa") as http:
            return await http.get(path)

    error = assert_error(asyncio.run(get("/tasks")), 503, "index_unavailable")
    assert "still loading" in error["message"]
    assert asyncio.run(get("/healthz")).status_code == 200


# fuzzing


def test_generated_requests_conform_to_the_openapi_schema(api: Server, tmp_path: Path) -> None:
    """Schemathesis fuzzes our routes from the served schema: no 5xx, documented statuses, types and bodies.

    Run through its CLI, as its pytest loader for live servers (`from_fixture`) breaks on pytest 9. Not
    checked: that every schema-valid request is accepted (the allowed years depend on the loaded index),
    and the Allow header of a 405 (Starlette lists only the first route of a path, POST /admin/reindex).
    /v1 has its own tests. One worker: with two, Python 3.11's `ast.parse`, which Hypothesis calls to
    describe filters, can fail with "AST constructor recursion depth mismatch" in concurrent threads.
    """
    command = [sys.executable, "-m", "schemathesis.cli", "run", f"{api.base_url}/openapi.json"]
    command += ["--checks", "all", "--exclude-checks", "positive_data_acceptance,allow_header_conformance"]
    command += ["--max-examples", "20", "--seed", "1", "--workers", "1", "--exclude-path-regex", "^/v1/"]
    command += ["--header", f"X-API-Key: {KEYS[0]}", "--request-timeout", "60"]
    command += ["--generation-database", "none", "--no-color"]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert re.search(r"Selected: (\d+)/\d+\s+Tested: \1\b", run.stdout), run.stdout[-3000:]


# refusal reasons: a stable code and the message, on /ask, /ask/stream and in the schema

FALSE_PREMISE_QUESTION = "When will hospital care become free for everyone?"
FIGURE_QUESTION = "How many nurses will be trained in 2022?"


@pytest.mark.parametrize(
    ("question", "code"),
    [
        (FALSE_PREMISE_QUESTION, "false_premise"),
        (FIGURE_QUESTION, "figure_not_given"),
        ("What does 2021 task (27) require?", "no_such_task"),
    ],
)
def test_a_refusal_carries_its_code_and_message_on_ask_and_the_stream(
    client: httpx.Client, question: str, code: str
) -> None:
    body = client.post("/ask", json={"question": question}).json()
    assert body["refused"] is True
    assert body["refusal"]["code"] == code
    assert body["refusal"]["message"] and body["refusal"]["message"] in body["answer"]
    with client.stream("POST", "/ask/stream", json={"question": question}) as response:
        events = parse_sse(response.read().decode())
    assert json.loads(events[-1][1])["refusal"] == body["refusal"]


def test_an_answer_has_no_refusal(client: httpx.Client) -> None:
    body = client.post("/ask", json={"question": PRICE_QUESTION}).json()
    assert body["refused"] is False and body["refusal"] is None


def test_the_refusal_codes_are_an_enum_in_the_openapi_schema(client: httpx.Client) -> None:
    from assistant.core.types import RefusalCode

    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schemas["RefusalCode"]["enum"]) == {c.value for c in RefusalCode}
    assert {"not_in_documents", "no_such_task", "figure_not_given", "false_premise", "out_of_scope"} <= set(
        schemas["RefusalCode"]["enum"]
    )
    assert schemas["Refusal"]["properties"]["code"] == {"$ref": "#/components/schemas/RefusalCode"}
