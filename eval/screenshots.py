"""`python -m eval.screenshots`: regenerate docs/screenshots/ from a full evaluation run.

The browser tests write their screenshots to a temporary folder, so running the tests never changes the
docs. This command first runs the whole dev split (every question, extractive answerer, with baselines) into
a temporary results folder, then reruns the browser tests (tests/test_ui_browser.py and
tests/test_ui_documents_browser.py, real Chromium against the real app) with that folder behind the
Evaluation tab and docs/screenshots/ as the screenshot folder.
Dev, not test: the test split is sealed and its results are reported as aggregates only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Annotated

import typer

from assistant.settings import Settings
from eval.records import is_sealed
from index.settings import REPO_ROOT

DOCS_SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
BROWSER_TESTS = (
    REPO_ROOT / "tests" / "test_ui_browser.py",
    REPO_ROOT / "tests" / "test_ui_documents_browser.py",
)

app = typer.Typer(help=__doc__.splitlines()[0] if __doc__ else None)


def full_run(settings: Settings, results_dir: Path, split: str, baselines: bool = True) -> Path:
    """Evaluate the default answerer on the whole split into `results_dir`; the run's folder."""
    from assistant.service import PolicyQA
    from eval.harness import default_out_dir, run_split, with_settings, write_run

    service = PolicyQA(settings)
    if not service.load():
        raise typer.BadParameter(f"no index to evaluate: {service.load_error} (run `policyqa ingest`)")
    result = run_split(service, split, baselines=baselines)
    out = default_out_dir(with_settings(settings, eval_results_dir=results_dir), result)
    write_run(result, out)
    return out


@app.command()
def main(
    out: Annotated[Path, typer.Option(help="Screenshot folder.")] = DOCS_SCREENSHOTS,
    split: Annotated[str, typer.Option(help="The (unsealed) split behind the Evaluation tab.")] = "dev",
    baselines: Annotated[bool, typer.Option(help="Also score the retrieval baselines (slower).")] = True,
) -> None:
    """Run the full evaluation, then the browser tests writing their screenshots into `out`."""
    if is_sealed(split):
        raise typer.BadParameter(f"the {split} split is sealed; screenshots show a dev run")
    with TemporaryDirectory(prefix="policyqa-screenshot-results-") as results:
        run_dir = full_run(Settings(), Path(results), split, baselines)
        typer.echo(f"Full {split} run: {run_dir.name}")
        env = {
            **os.environ,
            "POLICYQA_SCREENSHOTS_DIR": str(out.resolve()),
            "POLICYQA_SCREENSHOT_EVAL_RESULTS": results,
        }
        command = [sys.executable, "-m", "pytest", *map(str, BROWSER_TESTS), "-q", "-p", "no:cacheprovider"]
        completed = subprocess.run(command, cwd=REPO_ROOT, env=env, check=False)
    if completed.returncode != 0:
        raise typer.Exit(completed.returncode)
    typer.echo(f"Screenshots written to {out}")


if __name__ == "__main__":
    app()
