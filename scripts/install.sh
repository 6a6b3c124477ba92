#!/usr/bin/env bash
# Install PolicyQA into .venv (created if missing). Usage: scripts/install.sh [extras], e.g. "local-llm,test".
#
# Each step says what it does and, when it fails, which step failed. The local LLM runtime (llama-cpp-python)
# has no wheel on PyPI for this platform and compiles from source; it is built *portable* (no -march=native),
# into a wheel folder whose name carries the version and the compile flags, so a wheel compiled for another
# CPU (pip's own cache keys wheels by name and version only) can never be picked up by mistake.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-local-llm}"

LLAMA_CPP_VERSION="0.3.36"   # keep in step with pyproject.toml's local-llm extra
# Runtime CPU dispatch (GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS) is not usable from llama-cpp-python: its
# bindings never load the backend modules (abetlen/llama-cpp-python#2069). So the build targets one fixed,
# widely shared level instead of the build machine's: x86-64-v3 (AVX2, FMA, F16C) where the CPU has it,
# plain x86-64 otherwise; never AVX-512, AVX-VNNI or AMX, which differ between the Intel and AMD machines.
portable_cmake_args() {
    local common="-DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF"
    common="$common -DGGML_AVX512_BF16=OFF -DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF"
    common="$common -DGGML_AMX_BF16=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF"
    if [ "$(uname -m)" = x86_64 ] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo \
        && grep -qw f16c /proc/cpuinfo; then
        echo "$common -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
    else
        echo "$common -DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF -DGGML_BMI2=OFF"
    fi
}

current_step=""
step() {
    current_step="$1"
    echo "==> [install] $1"
}
trap 'status=$?; [ "$status" -eq 0 ] || echo "install failed at step: ${current_step} (exit ${status})" >&2' EXIT

step "1/5 virtualenv (.venv)"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip

step "2/5 torch 2.13.0, CPU build from local disk"
# torch first and pinned: this takes the CPU build from local disk; a looser pin pulls a multi-GB CUDA build
.venv/bin/python -m pip install --quiet torch==2.13.0

if [[ ",${extras}," == *",local-llm,"* ]]; then
    cmake_args="$(portable_cmake_args)"
    flags_hash="$(printf '%s' "$cmake_args" | sha256sum | cut -c1-12)"
    wheel_dir="${POLICYQA_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/policyqa/wheels}/llama-cpp-python-${LLAMA_CPP_VERSION}-portable-${flags_hash}"
    if ! ls "$wheel_dir"/llama_cpp_python-*.whl >/dev/null 2>&1; then
        step "3/5 local LLM runtime: compiling llama-cpp-python ${LLAMA_CPP_VERSION} portable (about 8 minutes on 2 cores)"
        echo "    flags: ${cmake_args}"
        mkdir -p "$wheel_dir.partial"
        CMAKE_ARGS="$cmake_args" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" .venv/bin/python -m pip wheel --quiet \
            --no-cache-dir --no-deps --no-binary llama-cpp-python \
            -w "$wheel_dir.partial" "llama-cpp-python==${LLAMA_CPP_VERSION}"
        rm -rf "$wheel_dir" && mv "$wheel_dir.partial" "$wheel_dir"
    else
        step "3/5 local LLM runtime: reusing the portable llama-cpp-python build in ${wheel_dir}"
    fi
    .venv/bin/python -m pip install --quiet --force-reinstall --no-deps "$wheel_dir"/llama_cpp_python-*.whl
fi

step "4/5 PolicyQA and its dependencies (extras: ${extras})"
.venv/bin/python -m pip install --quiet -e ".[${extras}]"

if [[ ",${extras}," == *",local-llm,"* ]]; then
    step "5/5 checking the local LLM build with one real completion"
    .venv/bin/python -m assistant.local_llm.check
else
    step "5/5 local LLM skipped (extra local-llm not requested)"
fi
echo "==> [install] done"
