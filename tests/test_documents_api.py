"""GET, POST and DELETE /documents on a real uvicorn server with its own documents folder and index.

Every hostile file is built here, on the fly. Each is refused with a 4xx in the error shape, and the
documents listing, the tasks, the serving index generation and the folder are exactly as before.
"""

from __future__ import annotations

import io
import secrets
import shutil
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from browser_support import serve_asgi

from assistant.api import create_app
from assistant.service import PolicyQA
from assistant.settings import Settings
from index.ingest import ingest
from index.settings import REPO_ROOT
from index.store import open_store

KEY = "shelf-key"
ADMIN_KEY = "shelf-admin"
MAX_UPLOAD = 100_000
EXTRACT_TIMEOUT_S = 15.0  # far above a real notice's seconds on a loaded machine, far below the slow PDF's
SCRIPT_CANARY = "SCRIPT-CANARY-7731"
STYLE_CANARY = "STYLE-CANARY-5519"
HANDLER_CANARY = "HANDLER-CANARY-2290"


def notice_html(year: int, title_word: str = "Lakeside") -> str:
    """A fictional notice in the numbered form the parser reads, with scripts and styles mixed in."""
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{title_word} key tasks {year}</title>
<script>window.leak = "{SCRIPT_CANARY}"; document.write("{SCRIPT_CANARY}");</script>
<style>.note::after {{ content: "{STYLE_CANARY}"; }}</style></head>
<body>
<p>General Office of the {title_word} Provincial Government</p>
<p>Notice on the Key Tasks of the {title_word} Health Reform in {year}</p>
<p>The key tasks below were approved in {year} and are issued to every district for implementation.</p>
<h2>1. Bring care closer to home</h2>
<p>(1) Extend the opening hours of community clinics. They open until nine by the end of June {year}.</p>
<p>(District Health Bureau is responsible according to the division of responsibilities)</p>
<script>fetch("/steal?c=" + document.cookie); // {SCRIPT_CANARY}</script>
<p>(2) Publish waiting times for outpatient visits online. Hospitals report them every week.</p>
<p onclick="alert('{HANDLER_CANARY}')">(Data Office, Health Bureau, etc. are responsible according to the \
division of responsibilities)</p>
<h2>2. Pay for care fairly</h2>
<p>(3) Cap the cost of rural ambulance transport. A flat fee applies by the end of September {year}.</p>
<p>(Provincial Insurance Office is responsible according to the division of responsibilities)</p>
</body></html>
"""


@dataclass
class Shelf:
    base_url: str
    settings: Settings

    def upload(
        self,
        filename: str | bytes,
        content: bytes,
        *,
        replace: bool = False,
        admin_key: str | None = ADMIN_KEY,
    ) -> httpx.Response:
        body, content_type = multipart(filename, content)
        headers = {"Content-Type": content_type}
        if admin_key is not None:
            headers["X-Admin-Key"] = admin_key
        params = {"replace": "true"} if replace else {}
        return httpx.post(
            f"{self.base_url}/documents", content=body, headers=headers, params=params, timeout=180
        )

    def delete(self, document_id: str) -> httpx.Response:
        return httpx.delete(
            f"{self.base_url}/documents/{document_id}", headers={"X-Admin-Key": ADMIN_KEY}, timeout=180
        )

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"{self.base_url}{path}", headers={"X-API-Key": KEY}, timeout=60)

    def snapshot(self) -> tuple[object, ...]:
        """Everything an upload could change: the listing, the tasks, the serving generation, the folder."""
        return (
            self.get("/documents").json(),
            self.get("/tasks").json(),
            self.get("/readyz").json()["collection"],
            sorted(p.name for p in self.settings.documents_dir.iterdir()),
        )


def multipart(filename: str | bytes, content: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with one file part, the file name sent byte for byte as given."""
    boundary = f"policyqa-{secrets.token_hex(8)}"
    name = filename if isinstance(filename, bytes) else filename.encode()
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="'.encode()
    head += name + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture(scope="module")
def shelf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shelf]:
    """The app on a copy of documents/ and an index of its own, built here (uploads change both)."""
    root = tmp_path_factory.mktemp("shelf")
    documents = root / "documents"
    shutil.copytree(REPO_ROOT / "documents", documents)
    settings = Settings(
        documents_dir=documents,
        data_dir=root / "data",
        api_keys=[KEY],
        admin_key=ADMIN_KEY,
        rate_limit_per_minute=0,
        max_upload_bytes=MAX_UPLOAD,
        extract_timeout_s=EXTRACT_TIMEOUT_S,
        ui=False,
        warm_max_units=0,  # no background embedding after each reindex: it would outlive the tests
    )
    report = ingest(settings)
    assert not report.errors, report.errors
    service = PolicyQA(settings)
    assert service.load(warm=False), service.load_error
    with serve_asgi(create_app(settings, service)) as base_url:
        yield Shelf(base_url, settings)


# Hostile files, built on the fly.


def docx_bomb() -> bytes:
    """A real zip with word/document.xml that inflates to 20 MB from a few hundred bytes (bzip2)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_BZIP2) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * 20_000_000 + b"</w:document>")
    return buffer.getvalue()


def zip_without_word_part() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a Word document")
    return buffer.getvalue()


def pdf(objects: list[bytes]) -> bytes:
    """A PDF file from its numbered objects (1..n, the first is the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def stream(dictionary: str, data: bytes) -> bytes:
    return f"<< {dictionary} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def slow_pdf(pages: int = 20, depth: int = 40) -> bytes:
    """A PDF of about 10 KB whose text extraction does not end in any useful time: on each page, each form
    XObject draws the next one twice, so a page holds 2**depth form invocations (a "billion laughs" for PDF
    readers). pypdf stops a page after 5000 invocations, which still costs seconds per page."""
    font, contents, first_page = 3, 4, 5
    first_form = first_page + pages
    resources = f"/Font << /F1 {font} 0 R >>"
    kids = " ".join(f"{first_page + n} 0 R" for n in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        stream("", b"BT /F1 12 Tf 72 720 Td (Key tasks 2031) Tj ET /X Do"),
    ]
    objects += [
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {contents} 0 R "
            f"/Resources << {resources} /XObject << /X {first_form} 0 R >> >> >>"
        ).encode()
    ] * pages
    for level in range(depth):
        inner = f"/XObject << /X {first_form + level + 1} 0 R >>" if level + 1 < depth else ""
        draw = b"BT /F1 12 Tf (ab) Tj ET" + (b" /X Do /X Do" if inner else b"")
        form = f"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << {resources} {inner} >>"
        objects.append(stream(form, draw))
    return pdf(objects)


@dataclass(frozen=True)
class Hostile:
    name: str | bytes
    content: bytes
    status: int
    code: str
    says: str


HOSTILE = {
    "dot-dot": Hostile(
        "../../etc/notice-2027.txt", b"Key tasks 2027", 400, "invalid_filename", "path separator"
    ),
    "absolute": Hostile("/etc/notice-2027.txt", b"Key tasks 2027", 400, "invalid_filename", "path separator"),
    "backslash": Hostile("..\\notice-2027.txt", b"Key tasks 2027", 400, "invalid_filename", "path separator"),
    "nul-in-name": Hostile(
        b"notice\x00.txt", b"Key tasks 2027", 400, "invalid_filename", "control characters"
    ),
    "control-in-name": Hostile(b"notice\x1b[2J.txt", b"Key tasks 2027", 400, "invalid_filename", "control"),
    "hidden-name": Hostile(".bashrc.txt", b"Key tasks 2027", 400, "invalid_filename", "dot"),
    "executable": Hostile("notice-2027.exe", b"MZ\x90\x00", 415, "unsupported_media_type", ".exe is not"),
    "manifest": Hostile("manifest.json", b"{}", 415, "unsupported_media_type", ".json is not"),
    "no-extension": Hostile(
        "notice", b"Key tasks 2027", 415, "unsupported_media_type", "without an extension"
    ),
    "empty": Hostile("notice-2027.txt", b"", 422, "empty_file", "empty"),
    "blank": Hostile("notice-2027.md", b" \n\t\n", 422, "empty_file", "white space"),
    "over-limit": Hostile(
        "notice-2027.txt", b"a" * (MAX_UPLOAD + 1), 413, "payload_too_large", str(MAX_UPLOAD)
    ),
    "far-over-limit": Hostile(
        "notice-2027.txt", b"a" * (MAX_UPLOAD * 3), 413, "payload_too_large", "larger than"
    ),
    "text-as-pdf": Hostile(
        "notice-2027.pdf", b"Key tasks 2027\n1. Care\n", 422, "content_mismatch", "not a PDF"
    ),
    "html-as-docx": Hostile("notice-2027.docx", b"<html>2027</html>", 422, "content_mismatch", "not a zip"),
    "zip-as-docx": Hostile(
        "notice-2027.docx", zip_without_word_part(), 422, "content_mismatch", "word/document"
    ),
    "binary-as-txt": Hostile(
        "notice-2027.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, 422, "content_mismatch", "UTF-8"
    ),
    "nul-in-text": Hostile("notice-2027.md", b"Key tasks 2027\x00\x00\x00", 422, "content_mismatch", "NUL"),
    "latin1-html": Hostile(
        "notice-2027.html", "<p>Tâches clés 2027</p>".encode("latin-1"), 422, "content_mismatch", "UTF-8"
    ),
    "docx-zip-bomb": Hostile("notice-2027.docx", docx_bomb(), 422, "compression_ratio", "1000 times"),
    "slow-pdf": Hostile(
        "notice-2031.pdf", slow_pdf(), 422, "extract_timeout", f"{EXTRACT_TIMEOUT_S:g} s budget"
    ),
    "no-structure": Hostile(
        "musings.txt",
        b"Some thoughts on health care, with no year and no numbered tasks.\n",
        422,
        "document_rejected",
        "no year",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_upload_is_refused_and_changes_nothing(shelf: Shelf, case: Hostile) -> None:
    before = shelf.snapshot()
    started = time.monotonic()
    response = shelf.upload(case.name, case.content)
    assert response.status_code == case.status, response.text
    error = response.json()["error"]
    assert error["code"] == case.code
    assert case.says in error["message"]
    assert response.json()["request_id"] == response.headers["x-request-id"]
    assert time.monotonic() - started < EXTRACT_TIMEOUT_S + 30  # a slow file costs its budget, not more
    assert shelf.snapshot() == before


def test_the_docx_bomb_really_is_one() -> None:
    """The bomb above is small on the wire and large unpacked, beyond the ratio the check enforces."""
    data = docx_bomb()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(m.file_size for m in archive.infolist())
    assert len(data) < 2_000 and unpacked > 1000 * len(data)


def test_uploads_need_the_admin_key_and_listing_needs_an_api_key(shelf: Shelf) -> None:
    html = notice_html(2028).encode()
    assert shelf.upload("notice-2028.html", html, admin_key=None).status_code == 401
    assert shelf.upload("notice-2028.html", html, admin_key="wrong").status_code == 403
    assert httpx.delete(f"{shelf.base_url}/documents/2021").status_code == 401
    assert httpx.get(f"{shelf.base_url}/documents").status_code == 401
    assert not (shelf.settings.documents_dir / "notice-2028.html").exists()


def test_an_upload_that_is_not_multipart_is_a_415(shelf: Shelf) -> None:
    response = httpx.post(
        f"{shelf.base_url}/documents", json={"file": "x"}, headers={"X-Admin-Key": ADMIN_KEY}
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_documents_lists_the_seeds(shelf: Shelf) -> None:
    listing = shelf.get("/documents").json()
    by_id = {d["id"]: d for d in listing["documents"]}
    assert set(by_id) == {"2021", "2022"}
    seed = by_id["2021"]
    assert (seed["year"], seed["format"], seed["file"]) == (2021, "txt", "key-tasks-2021-echemi.txt")
    assert seed["issuer"] == "General Office of the State Council"
    assert seed["number"] == "Guobanfa [2021] No. 20"
    assert seed["tasks"] == 20
    assert by_id["2022"]["tasks"] == 6
    assert listing["count"] == 2
    assert listing["unused"] == []


def test_an_html_notice_is_added_without_its_scripts_then_removed(shelf: Shelf) -> None:
    before = shelf.snapshot()
    response = shelf.upload("lakeside-2027.html", notice_html(2027).encode())
    assert response.status_code == 201, response.text
    added = response.json()
    assert (added["id"], added["year"], added["format"], added["tasks"]) == ("2027", 2027, "html", 3)
    assert added["file"] == "lakeside-2027.html"
    assert added in shelf.get("/documents").json()["documents"]

    tasks = shelf.get("/tasks?year=2027").json()["tasks"]
    assert [t["title"] for t in tasks] == [
        "Extend the opening hours of community clinics",
        "Publish waiting times for outpatient visits online",
        "Cap the cost of rural ambulance transport",
    ]
    assert tasks[0]["departments_as_written"] == ["District Health Bureau"]
    # nothing of a script, a style or an event handler reached the index: not a unit, not a chunk
    catalog = open_store(shelf.settings).read_catalog()
    indexed = [u.model_dump_json() for u in catalog.units] + [c.text for c in catalog.chunks]
    assert any("community clinics" in text for text in indexed)
    for canary in (SCRIPT_CANARY, STYLE_CANARY, HANDLER_CANARY, "document.cookie", "fetch("):
        assert not any(canary in text for text in indexed), canary

    removed = shelf.delete("2027")
    assert removed.status_code == 200
    assert removed.json()["id"] == "2027"
    assert not (shelf.settings.documents_dir / "lakeside-2027.html").exists()
    assert shelf.get("/tasks?year=2027").status_code == 422  # the year is gone from the index
    after = shelf.snapshot()
    assert (after[0], after[1], after[3]) == (before[0], before[1], before[3])


def test_a_file_name_or_id_in_use_is_a_conflict_unless_replacing(shelf: Shelf) -> None:
    first = shelf.upload("riverside-2029.html", notice_html(2029, "Riverside").encode())
    assert first.status_code == 201, first.text
    try:
        before = shelf.snapshot()
        again = shelf.upload("riverside-2029.html", notice_html(2029, "Hillside").encode())
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "file_exists"
        assert "replace=true" in again.json()["error"]["message"]
        # another file whose document would take the id "2021" of a seed
        taken = shelf.upload("another-2021.html", notice_html(2021).encode())
        assert taken.status_code == 409
        assert taken.json()["error"]["code"] == "document_id_taken"
        assert "key-tasks-2021-echemi.txt" in taken.json()["error"]["message"]
        assert shelf.snapshot() == before

        replaced = shelf.upload("riverside-2029.html", notice_html(2029, "Hillside").encode(), replace=True)
        assert replaced.status_code == 201, replaced.text
        assert "Hillside" in replaced.json()["title"] or "Hillside" in shelf.get("/tasks/2029-notice").text
        assert [p.name for p in shelf.settings.documents_dir.iterdir() if p.name.startswith(".")] == []
    finally:
        assert shelf.delete("2029").status_code == 200


def test_an_upload_while_an_ingest_runs_is_a_409(shelf: Shelf) -> None:
    outcome: dict[str, httpx.Response] = {}
    upload = threading.Thread(
        target=lambda: outcome.setdefault(
            "first", shelf.upload("seaside-2030.html", notice_html(2030).encode())
        )
    )
    upload.start()
    try:
        deadline = time.monotonic() + 120
        while not shelf.get("/readyz").json().get("reindexing"):
            assert upload.is_alive(), outcome["first"].text
            assert time.monotonic() < deadline
            time.sleep(0.02)
        serving = shelf.get("/tasks?year=2021")  # the index keeps serving while the new one is built
        assert serving.status_code == 200 and len(serving.json()["tasks"]) == 20
        second = shelf.upload("harbour-2032.html", notice_html(2032).encode())
        assert second.status_code == 409
        assert second.json()["error"]["code"] == "ingest_running"
        assert shelf.delete("2021").status_code == 409
    finally:
        upload.join()
    assert outcome["first"].status_code == 201, outcome["first"].text
    assert not (shelf.settings.documents_dir / "harbour-2032.html").exists()
    assert shelf.delete("2030").status_code == 200


def test_a_line_that_fits_no_task_is_a_warning_in_the_listing(shelf: Shelf) -> None:
    """A fictional notice with one paragraph between a task's responsibility note and the next section."""
    notice = (
        "Notice of the Orchard Office on the Key Tasks of 2033\n\n"
        "The tasks below are issued to every county for implementation in 2033.\n\n"
        "I. Growing the orchards\n\n"
        "(1) Plant orchards on idle land.\nSites are chosen by the end of May 2033.\n"
        "(Ministry of Finance is responsible)\n\n"
        "(2) Paint the barns red.\n(National Health Commission is responsible)\n\n"
        "The weather was mild that spring and the paint dried fast.\n\n"
        "II. Keeping the fences\n\n"
        "(3) Mend the fences before winter.\n(Ministry of Finance is responsible)\n"
    )
    response = shelf.upload("orchard-2033.txt", notice.encode())
    assert response.status_code == 201, response.text
    try:
        expected = (
            "1 line could not be placed in a task: “The weather was mild that spring …” "
            "(after task (2)'s responsibility note, before section II; kept in 2033-2)"
        )
        assert response.json()["warnings"] == [expected]
        listed = {d["id"]: d for d in shelf.get("/documents").json()["documents"]}
        assert listed["2033"]["tasks"] == 3
        assert listed["2033"]["warnings"] == [expected]
        assert listed["2021"]["warnings"] == []  # the seeds place every line
        task = shelf.get("/tasks/2033-2").json()
        assert "The weather was mild that spring" in str(task)  # kept for search, not dropped
    finally:
        assert shelf.delete("2033").status_code == 200


# Following a long change instead of waiting for it: ?wait=false, then GET /documents/jobs/{id}.


def upload_without_waiting(shelf: Shelf, filename: str, content: bytes) -> httpx.Response:
    body, content_type = multipart(filename, content)
    headers = {"Content-Type": content_type, "X-Admin-Key": ADMIN_KEY}
    return httpx.post(
        f"{shelf.base_url}/documents", content=body, headers=headers, params={"wait": "false"}, timeout=60
    )


def follow(shelf: Shelf, accepted: httpx.Response) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Poll the job a 202 names in its Location until it ends: its last status, and every status seen."""
    assert accepted.status_code == 202, accepted.text
    location = accepted.headers["location"]
    assert location == f"/documents/jobs/{accepted.json()['id']}"
    seen = [accepted.json()]
    deadline = time.monotonic() + 180
    while seen[-1]["state"] == "running":
        assert time.monotonic() < deadline, seen[-1]
        time.sleep(0.05)
        polled = httpx.get(f"{shelf.base_url}{location}", headers={"X-Admin-Key": ADMIN_KEY}, timeout=30)
        assert polled.status_code == 200, polled.text
        seen.append(polled.json())
    return seen[-1], seen


def stage_names(job: dict[str, Any]) -> list[str]:
    return [s["stage"] for s in job["stages"]]


def test_an_upload_and_a_removal_without_waiting_are_jobs_followed_stage_by_stage(shelf: Shelf) -> None:
    before = shelf.snapshot()
    accepted = upload_without_waiting(shelf, "brookside-2034.html", notice_html(2034, "Brookside").encode())
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()
    assert (job["action"], job["target"], job["state"]) == ("add", "brookside-2034.html", "running")
    assert job["stages"][0]["stage"] == "checking and parsing the file"  # answered once under way
    assert (job["document"], job["error"], job["status_code"]) == (None, None, None)
    # the change holds the shelf: another one is refused at once, and the index keeps serving meanwhile
    second = shelf.upload("harbour-2035.html", notice_html(2035).encode())
    assert second.status_code == 409 and second.json()["error"]["code"] == "ingest_running"
    serving = shelf.get("/tasks?year=2021")
    assert serving.status_code == 200 and len(serving.json()["tasks"]) == 20

    added, seen = follow(shelf, accepted)
    assert added["state"] == "succeeded" and added["status_code"] == 201, added
    assert added["error"] is None
    document = added["document"]
    assert (document["id"], document["file"], document["tasks"]) == ("2034", "brookside-2034.html", 3)
    assert document in shelf.get("/documents").json()["documents"]
    assert len(shelf.get("/tasks?year=2034").json()["tasks"]) == 3
    names = stage_names(added)
    assert names[0] == "checking and parsing the file" and names[-1] == "loading the new index"
    embedding = next(s for s in added["stages"] if s["stage"] == "embedding")
    assert embedding["total"] > 0 and embedding["done"] == embedding["total"]
    # the polls saw the stages go by in that order, each poll's stage the last of its stages so far
    for status in seen:
        assert stage_names(status) == names[: len(status["stages"])]
        assert status["stage"] == (status["stages"][-1]["stage"] if status["stages"] else "starting")
    assert added["finished_at"] >= added["started_at"]

    accepted = httpx.delete(
        f"{shelf.base_url}/documents/2034",
        params={"wait": "false"},
        headers={"X-Admin-Key": ADMIN_KEY},
        timeout=60,
    )
    removed, _ = follow(shelf, accepted)
    assert (removed["action"], removed["target"], removed["state"]) == ("remove", "2034", "succeeded")
    assert removed["status_code"] == 200 and removed["document"]["id"] == "2034"
    names = stage_names(removed)
    assert names[0] == "taking the file out of the folder" and names[-1] == "loading the new index"
    assert shelf.get("/tasks?year=2034").status_code == 422
    after = shelf.snapshot()
    assert (after[0], after[1], after[3]) == (before[0], before[1], before[3])


@pytest.mark.parametrize("case_id", ["dot-dot", "empty", "over-limit", "text-as-pdf", "no-structure"])
def test_a_refused_upload_without_waiting_gives_the_waiting_call_s_error(shelf: Shelf, case_id: str) -> None:
    """Refused by name or size: that error at once. Refused by content: a job that fails with it. Either
    way the status and the error are those of the waiting call, in the one error shape; nothing changes."""
    case = HOSTILE[case_id]
    before = shelf.snapshot()
    response = upload_without_waiting(shelf, str(case.name), case.content)
    if response.status_code == 202:
        outcome, _ = follow(shelf, response)
        assert outcome["state"] == "failed" and outcome["document"] is None
        status, error = outcome["status_code"], outcome["error"]
        assert stage_names(outcome) == ["checking and parsing the file"]
    else:
        status, error = response.status_code, response.json()["error"]
        assert response.json()["request_id"] == response.headers["x-request-id"]
    assert (status, error["code"]) == (case.status, case.code)
    assert case.says in error["message"] and error["field"] == "file"
    assert shelf.snapshot() == before


def test_a_removal_without_waiting_of_an_unknown_document_and_an_unknown_job_are_404s(shelf: Shelf) -> None:
    missing = httpx.delete(
        f"{shelf.base_url}/documents/1999",
        params={"wait": "false"},
        headers={"X-Admin-Key": ADMIN_KEY},
        timeout=60,
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert "2021, 2022" in missing.json()["error"]["message"]
    job = httpx.get(f"{shelf.base_url}/documents/jobs/0123456789abcdef", headers={"X-Admin-Key": ADMIN_KEY})
    assert job.status_code == 404
    assert job.json()["error"] == {
        "code": "not_found",
        "message": "no document job '0123456789abcdef' (finished jobs are kept a while)",
        "field": "job_id",
    }
    assert httpx.get(f"{shelf.base_url}/documents/jobs/0123456789abcdef").status_code == 401


def test_the_openapi_schema_describes_the_job_and_the_wait_parameter(shelf: Shelf) -> None:
    schema = httpx.get(f"{shelf.base_url}/openapi.json", headers={"X-API-Key": KEY}).json()
    for method, path in (("post", "/documents"), ("delete", "/documents/{document_id}")):
        operation = schema["paths"][path][method]
        assert "wait" in [p["name"] for p in operation["parameters"]]
        accepted = operation["responses"]["202"]["content"]["application/json"]["schema"]
        assert accepted == {"$ref": "#/components/schemas/DocumentJobStatus"}
    job = schema["paths"]["/documents/jobs/{job_id}"]["get"]["responses"]
    assert job["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DocumentJobStatus"
    }
    assert job["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }
    fields = schema["components"]["schemas"]["DocumentJobStatus"]["properties"]
    assert {"state", "stage", "done", "total", "stages", "document", "error", "status_code"} <= set(fields)
