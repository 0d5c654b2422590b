"""The folder layout is the architecture: the core never imports a frontend, nothing imports
in a circle, the product ships no offline code, and nothing names a particular machine."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import grimp
import pytest

from tests.conftest import ROOT

CORE = ("library", "audio", "station", "recommender", "dj", "intents", "listen")
"""The core: it knows nothing of how it is reached."""
FRONTENDS = ("mqtt", "mpd", "roles", "cli", "doctor", "models")
"""How the core is reached (protocols, services, commands)."""


@pytest.fixture(scope="module")
def graph():
    """Every import of the product and of lab/, those inside functions and under
    TYPE_CHECKING included."""
    return grimp.build_graph("booth", "lab", cache_dir=None)


def _cycles(graph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iteratively)."""
    imports = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(imports):
        if root in index:
            continue
        work = [(root, iter(imports[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(imports[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_module_imports_another_that_imports_it_back(graph):
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_circle_when_there_is_one(graph):
    graph.add_import(importer="booth.station.player", imported="booth.cli", line_number=1,
                     line_contents="from booth.cli import main")
    assert any("booth.cli" in group and "booth.station.player" in group
               for group in _cycles(graph))
    graph.remove_import(importer="booth.station.player", imported="booth.cli")


@pytest.mark.parametrize("core", CORE)
def test_the_core_imports_no_frontend(graph, core):
    for frontend in FRONTENDS:
        chains = graph.find_shortest_chains(f"booth.{core}", f"booth.{frontend}")
        assert not chains, f"booth.{core} reaches booth.{frontend}: {sorted(chains)}"


def test_the_product_imports_no_test_or_lab_code(graph):
    for module in sorted(m for m in graph.modules if m.startswith("booth")):
        wrong = [m for m in graph.find_modules_directly_imported_by(module)
                 if m.split(".")[0] in ("lab", "tests")]
        assert not wrong, f"{module} imports {wrong}"
    assert not (ROOT / "device" / "booth" / "tests").exists()


def test_the_product_package_ships_no_evaluation_benchmark_or_fake():
    banned = re.compile(r"fake|evaluat|voiceset|synthetic|bench|adapt_eval")
    shipped = [p.relative_to(ROOT) for p in (ROOT / "device" / "booth").rglob("*")
               if "__pycache__" not in p.parts]
    assert shipped, "the package is missing"
    assert [p for p in shipped if banned.search(p.name)] == []


MACHINE_PATHS = re.compile("|".join("/" + stem for stem in (
    "work/", r"home/\w", "root/", r"Users/\w", r"\.\./shared", "shared/data")))
"""Paths of a development machine (each built with its slash, so this file does not match
itself)."""


def _project_files(*folders: str) -> list[Path]:
    """The files git tracks or would track (not build output, caches or virtual envs)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                             "--", *folders], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.splitlines()
    return [ROOT / name for name in sorted(set(listed)) if (ROOT / name).is_file()]


def test_no_code_names_a_path_of_a_particular_machine():
    found = []
    for path in _project_files("device", "tools", "tests", "lab"):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # a binary file (the ONNX model)
        found += [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                  for number, line in enumerate(text.splitlines(), 1)
                  if MACHINE_PATHS.search(line)]
    assert found == []


def test_no_test_is_skipped_or_skippable():
    """Hardware is tested through its mock, file or null version; a missing package fails
    with the fix, never a silent skip."""
    words = re.compile(r"pytest\.skip\(|" + "skip" + r"if\b|importor" + "skip")
    found = [f"{path.name}:{number}"
             for path in sorted((ROOT / "tests").glob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if words.search(line)]
    assert found == []


def test_every_role_is_in_the_table_and_makes_its_role():
    from booth.roles import ROLES

    modules = {p.stem for p in (ROOT / "device" / "booth" / "roles").glob("*.py")
               if p.stem not in ("__init__", "base", "serve")}
    assert set(ROLES) == modules
    for name in ROLES:
        module = __import__(f"booth.roles.{name}", fromlist=["create"])
        assert callable(module.create), name


def test_no_block_of_six_lines_is_written_twice():
    """tools/lint: pylint's duplicate-code check over the product and lab/."""
    done = subprocess.run([str(ROOT / "tools" / "lint")], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
