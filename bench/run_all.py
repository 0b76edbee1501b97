"""Run every benchmark script in bench/ and collect their results into bench/RESULTS.md.

Each bench_*.py writes its own section to bench/results/<name>.md; this stitches them
together in a stable order so RESULTS.md shows one run of everything.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    for script in scripts:
        print(f"== {script.name}", flush=True)
        subprocess.run([sys.executable, str(script), *argv], check=True, cwd=HERE.parent)
    write_results()
    return 0


def write_results() -> None:
    sections = [p.read_text(encoding="utf-8").strip() for p in sorted((HERE / "results").glob("*.md"))]
    header = (
        "# Benchmark results\n\n"
        "Each benchmark compares this tool with what a user would otherwise pick, in one run, as a ratio "
        "(below 1.0 = we are faster). Regenerate with `make bench`.\n\n"
        f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"collected {date.today().isoformat()}.\n"
    )
    (HERE / "RESULTS.md").write_text(header + "\n" + "\n\n".join(sections) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if "--collect-only" in sys.argv:
        write_results()
        raise SystemExit(0)
    raise SystemExit(main(sys.argv[1:]))
