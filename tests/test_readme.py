"""The README says what the code does."""

from __future__ import annotations

from pathlib import Path

from booth.cli import build_parser
from booth.docs import render

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_generated_sections_of_the_readme_are_current():
    assert render(README) == README, "run tools/update-readme"


def test_the_readme_names_every_subcommand():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # noqa: SLF001
    for name in commands:
        assert f"booth {name}" in README or f"`{name}`" in README, name


def test_ci_runs_the_test_command_the_readme_gives():
    assert "tools/test" in README
    assert "exec tools/test" in (ROOT / ".ci" / "run").read_text()
