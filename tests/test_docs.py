"""The README and docs/ say what the code does, and the README stays short."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from booth.cli import build_parser
from lab.docs import stale

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def test_the_generated_parts_of_the_docs_are_current():
    assert not stale(DOCS), "run tools/update-docs"


def test_the_readme_is_at_most_250_lines():
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= 250, f"README.md has {lines} lines: move the detail to docs/"


def test_the_readme_names_every_subcommand():
    readme = README.read_text(encoding="utf-8")
    commands = build_parser()._subparsers._group_actions[0].choices  # noqa: SLF001
    missing = [name for name in commands
               if f"booth {name}" not in readme and f"`{name}`" not in readme]
    assert not missing, f"README.md does not name: {missing}"


def test_ci_runs_the_test_command_the_readme_gives():
    assert "tools/test" in README.read_text(encoding="utf-8")
    assert "exec tools/test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_relative_link_in_the_readme_and_the_docs_leads_to_a_file():
    broken = []
    for page in PAGES:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # a URL, or a heading on the same page
            path = target.split("#", 1)[0]
            if not (page.parent / path).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, broken


def test_the_dependencies_page_says_why_each_dependency_is_there():
    page = (DOCS / "dependencies.md").read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [*project["build-system"]["requires"], *project["project"]["dependencies"]]
    for extra in project["project"]["optional-dependencies"].values():
        wanted += extra
    install = (ROOT / "tools" / "install-deps").read_text(encoding="utf-8")
    for array in re.findall(r"^\w+_apt=\(([^)]*)\)", install, re.M):
        wanted += re.sub(r"#[^\n]*", "", array).split()
    wanted += re.findall(r'pip install [^\n]*"([^"]+)"', install)
    names = {re.match(r"[A-Za-z0-9_.-]+", spec).group(0).lower()
             for spec in wanted if spec[0].isalpha()}
    missing = sorted(name for name in names if f"`{name}`" not in page)
    assert not missing, f"docs/dependencies.md does not say why these are there: {missing}"
