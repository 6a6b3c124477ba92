"""Check the installed llama-cpp-python build: portable, and able to complete one prompt.

A llama.cpp compiled for the build machine's own instruction set (GGML_NATIVE) dies with an illegal
instruction or a general protection fault on a CPU of another model. The install script builds it for a
fixed baseline instead; this check reads llama.cpp's own system information to confirm that no
host-specific instruction set (AVX-512, AVX-VNNI, AMX) was compiled in, then runs one real completion of
the bundled SmolLM2 model in a child process, so a crash is reported as a failure rather than taking the
caller down.

Usage: python -m assistant.local_llm.check   (exit 0: usable; exit 1: the reason on stderr)
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass

from assistant.local_llm.server import smollm2_gguf_path

# Instruction sets that some x86-64 machines of one kind have and others lack. A portable build has none.
HOST_SPECIFIC_FEATURES = (
    "AVX512",
    "AVX512_VBMI",
    "AVX512_VNNI",
    "AVX512_BF16",
    "AVX_VNNI",
    "AMX_INT8",
    "AMX_BF16",
    "AMX_TILE",
)

_COMPLETION_TIMEOUT_S = 120
_FEATURE = re.compile(r"\b([A-Z0-9_]+) = (\d)")


@dataclass(frozen=True)
class BuildReport:
    """What llama.cpp says it was compiled with, and which of that is host-specific."""

    system_info: str
    features: dict[str, bool]

    @property
    def host_specific(self) -> list[str]:
        return [name for name in HOST_SPECIFIC_FEATURES if self.features.get(name)]


def build_report() -> BuildReport:
    """Read `llama_print_system_info()`, e.g. "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | AVX512 = 0 | …"."""
    import llama_cpp

    info = llama_cpp.llama_print_system_info().decode("utf-8", errors="replace")
    features = {name: value == "1" for name, value in _FEATURE.findall(info)}
    return BuildReport(system_info=info.strip(), features=features)


_COMPLETE = """
import sys
from llama_cpp import Llama
llm = Llama(model_path=sys.argv[1], n_ctx=256, n_threads=2, verbose=False)
out = llm.create_completion("The capital of France is", max_tokens=4, temperature=0.0)
text = out["choices"][0]["text"]
assert text.strip(), "the model returned no text"
print(text.strip())
"""


def complete_once() -> str:
    """One real completion in a child process; raises RuntimeError with the reason when it fails."""
    model = smollm2_gguf_path()
    try:
        result = subprocess.run(
            [sys.executable, "-c", _COMPLETE, str(model)],
            capture_output=True,
            text=True,
            timeout=_COMPLETION_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"one completion took longer than {_COMPLETION_TIMEOUT_S} s") from exc
    if result.returncode != 0:
        reason = f"killed by signal {-result.returncode}" if result.returncode < 0 else "failed"
        tail = (result.stderr or result.stdout).strip()[-1500:]
        raise RuntimeError(f"one completion {reason} (exit {result.returncode}): {tail}")
    return result.stdout.strip()


def main() -> int:
    try:
        report = build_report()
    except Exception as exc:
        print(f"local LLM check: llama-cpp-python does not load: {exc}", file=sys.stderr)
        return 1
    print(f"local LLM build: {report.system_info}")
    if report.host_specific:
        print(
            "local LLM check: the build uses host-specific instructions "
            f"({', '.join(report.host_specific)}); it would crash on other CPUs. "
            "Rebuild with scripts/install.sh.",
            file=sys.stderr,
        )
        return 1
    try:
        text = complete_once()
    except (RuntimeError, FileNotFoundError) as exc:
        print(f"local LLM check: {exc}", file=sys.stderr)
        return 1
    print(f"local LLM check: one completion OK ({text!r})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
