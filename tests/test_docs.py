"""The README stays true: its configuration table names every setting, its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_configuration_table():
    documented = set(re.findall(r"`POLICYQA_([A-Z_]+)`", README))
    assert {name.upper() for name in Settings.model_fields} == documented


def test_the_two_setup_commands_exist_and_ci_runs_the_test_command():
    root = Path(__file__).resolve().parent.parent
    assert "scripts/run.sh" in README and "scripts/test.sh" in README
    assert (root / "scripts" / "run.sh").exists() and (root / "scripts" / "test.sh").exists()
    assert "scripts/test.sh" in (root / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_images_exist():
    root = Path(__file__).resolve().parent.parent
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (root / image).exists(), image
