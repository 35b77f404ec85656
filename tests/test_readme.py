"""The README stays true: every KPI of the catalogue is in its KPI table with its unit
(and in full in docs/kpis.md), the two commands are shown, every scenario file is in the
catalogue, and every link of the README and of docs/ leads somewhere."""

import re
from pathlib import Path

import pytest

from sim.measure.kpis import KPIS
from sim.measure.labels import LABELS
from sim.scenario.citations import cited_values, counts

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
KPI_PAGE = (ROOT / "docs" / "kpis.md").read_text(encoding="utf-8")


def test_every_kpi_is_documented_with_its_unit():
    for name, (unit, _definition) in KPIS.items():
        # the README's short form: name, unit, plain-English meaning
        assert f"| `{name}` | {unit} | {LABELS[name]} |" in README, name
        # docs/kpis.md: name, unit, the full definition
        assert re.search(rf"^\| `{name}` \| {re.escape(unit)} \| \S", KPI_PAGE, re.M), name


def test_the_kpi_page_gives_the_catalogues_definitions():
    # docs/kpis.md's definition is the catalogue's (sim.measure.kpis.KPIS), names in
    # backticks, with at most a note after it (where the KPI exists): no drift
    for name, (unit, definition) in KPIS.items():
        row = re.search(rf"^\| `{name}` \| {re.escape(unit)} \| (.*) \|$", KPI_PAGE, re.M)
        assert row is not None, name
        assert row.group(1).replace("`", "").startswith(definition), name


def test_the_two_commands_are_shown():
    assert "make run" in README and "make test" in README


def test_every_scenario_is_in_the_catalogue():
    """Every scenario the project ships (tracked by git; a user's own files are theirs)."""
    import subprocess
    r = subprocess.run(["git", "-C", str(ROOT), "ls-files", "scenarios/*.toml"],
                       capture_output=True, text=True, check=False)
    names = r.stdout.split() if r.returncode == 0 and r.stdout.strip() else [
        f"scenarios/{p.name}" for p in sorted((ROOT / "scenarios").glob("*.toml"))]
    assert names
    for name in names:
        assert f"`{name}`" in README, name


def test_golden_table_is_the_golden_run():
    """The baseline table of docs/validation.md is the golden file's (python -m
    tests.headline)."""
    from .headline import accounted, rows
    page = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    for row in rows():
        assert row in page, row
    assert accounted() in page


def test_the_quick_start_scenario_loads_and_its_commands_exist(tmp_path):
    # the planner's scenario written by the quick-start, checked as `corridor check` would
    import re

    from sim.cli.help import SUMMARY
    from sim.scenario.loading import load_scenario
    block = README.split("## Quick start for planners", 1)[1].split("## Two commands", 1)[0]
    toml = re.search(r"<<'END'\n(.*?)\nEND\n", block, re.S)
    assert toml, "the quick-start writes its scenario with a <<'END' heredoc"
    f = tmp_path / "more_ferries.toml"
    f.write_text(toml.group(1).replace('"../scenarios/', f'"{ROOT}/scenarios/'),
                 encoding="utf-8")
    s = load_scenario(f)
    assert s.name == "more_ferries"
    assert s.timeline[-1].set == {"fleets.asco_ferries.ships": 15}
    for cmd in re.findall(r"\.venv/bin/corridor (\w+)", block):
        assert cmd in SUMMARY, cmd


# ------------------------------------------------------------------------------ links

DOCS = sorted((ROOT / "docs").glob("*.md"))
_FENCE = re.compile(r"^```.*?^```", re.M | re.S)
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped (word characters,
    hyphens and spaces kept), spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of a Markdown file's headings (outside code blocks; a repeated heading
    gets -1, -2, ... as on GitHub)."""
    seen: dict[str, int] = {}
    out = set()
    for m in re.finditer(r"^#{1,6} (.+)$", _FENCE.sub("", path.read_text(encoding="utf-8")),
                         re.M):
        a = slug(m.group(1))
        out.add(a if a not in seen else f"{a}-{seen[a]}")
        seen[a] = seen.get(a, 0) + 1
    return out


def links(path: Path) -> list[str]:
    """The relative links and images of a Markdown file (outside code blocks)."""
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    return [t for t in _LINK.findall(text) if not re.match(r"[a-z]+:", t)]


def test_slugs_as_github_makes_them():
    assert slug("Decision memo: the Kuryk terminal (model answer, December 2026)") == \
        "decision-memo-the-kuryk-terminal-model-answer-december-2026"
    assert slug("Forecast for 2025 (with the shippers' choice)") == \
        "forecast-for-2025-with-the-shippers-choice"
    assert slug("`sim/io/` and [a link](x.md)") == "simio-and-a-link"


@pytest.mark.parametrize("path", [ROOT / "README.md", ROOT / "benchmarks" / "README.md",
                                  *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path):
    """Every relative link or image leads to a file of the repository, and its anchor to
    a heading of that file."""
    found = links(path)
    bad = []
    for target in found:
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        if not dest.exists():
            bad.append(f"{target}: no such file")
        elif anchor and anchor not in anchors(dest):
            bad.append(f"{target}: no heading with that anchor in {dest.name}")
    assert not bad, bad


def test_the_readme_links_every_docs_page():
    """Each page of docs/ is linked from the README (directly), and each page the README
    links exists."""
    linked = {t.partition("#")[0] for t in links(ROOT / "README.md")}
    docs_linked = {t for t in linked if t.startswith("docs/")}
    assert docs_linked, "the README links no page of docs/"
    for t in docs_linked:
        assert (ROOT / t).is_file(), t
    for page in DOCS:
        assert f"docs/{page.name}" in linked, f"docs/{page.name} is not linked from the README"
    assert "benchmarks/README.md" in linked


def test_the_readmes_counts_are_the_projects():
    """The scenarios the status counts are the catalogue's files, and the baseline's
    citation counts are what 'corridor sources' finds."""
    n = int(re.search(r"(\d+)\s+scenarios;", README).group(1))
    assert n == len(list((ROOT / "scenarios").glob("*.toml")))
    c = counts(cited_values(ROOT / "scenarios" / "baseline.toml"))
    assert (f"{sum(c.values())} values, {c['sourced']} sourced, {c['assumption']} "
            f"assumptions, {c['unverified']} GK-unverified, {c['uncited']} uncited") in \
        " ".join(README.split())
