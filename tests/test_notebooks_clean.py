"""The companion notebooks are committed clean and in step with their reviewed `# %%` scripts.

The `.py` percent script is the source a reviewer reads; the `.ipynb` is generated from it
with jupytext. A notebook saved with outputs (data, charts with embedded customer rows) or
edited without its script would make the two tell different stories.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EXPECTED = ("01_quickstart", "02_kmeans_and_validation", "03_cohorts", "04_extend", "05_health_and_revenue")
PAIRS = sorted(NOTEBOOKS.glob("*.ipynb"))


def _sources(notebook) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source.strip()) for cell in notebook.cells]


def test_every_companion_notebook_exists_with_its_script():
    for stem in EXPECTED:
        assert (NOTEBOOKS / f"{stem}.ipynb").is_file(), f"{stem}.ipynb is missing: run jupytext --to ipynb {stem}.py"
        assert (NOTEBOOKS / f"{stem}.py").is_file(), f"{stem}.py is missing: run jupytext --to py:percent {stem}.ipynb"
    orphans = [p.name for p in PAIRS if not p.with_suffix(".py").is_file()]
    assert not orphans, f"notebooks without a paired script: {orphans}"


@pytest.mark.parametrize("path", PAIRS, ids=[p.stem for p in PAIRS])
def test_notebook_is_saved_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    dirty = [
        i for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, (f"{path.name}: cells {dirty} hold outputs or execution counts; regenerate it from its "
                       f"script: jupytext --to ipynb {path.with_suffix('.py').name}")


@pytest.mark.parametrize("path", PAIRS, ids=[p.stem for p in PAIRS])
def test_notebook_matches_its_paired_script(path):
    script = path.with_suffix(".py")
    expected = jupytext.read(script, fmt="py:percent")
    actual = nbformat.read(path, as_version=4)
    assert _sources(actual) == _sources(expected), (
        f"{path.name} and {script.name} differ; edit the script and run `jupytext --to ipynb {script.name}`"
    )


@pytest.mark.parametrize("path", PAIRS, ids=[p.stem for p in PAIRS])
def test_notebook_runs_on_the_python3_kernel_and_stays_paired(path):
    metadata = nbformat.read(path, as_version=4).metadata
    assert metadata.get("kernelspec", {}).get("name") == "python3"
    assert metadata.get("jupytext", {}).get("formats") == "ipynb,py:percent"
