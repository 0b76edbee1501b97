"""The pinned dependencies: none in the range of a known vulnerability, all usable together."""

from __future__ import annotations

from importlib.metadata import requires
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
# package -> (the first version with the fix, the advisory); add a line when an advisory names a pin.
FIXED_IN = {"pyarrow": ("23.0.1", "CVE-2026-25087")}


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            assert spec.operator == "==", f"requirements.txt pins exact versions: {line}"
            pins[requirement.name.lower()] = spec.version
    return pins


def test_no_pin_is_in_the_range_of_a_known_vulnerability():
    pins = _pins()
    for package, (fixed, advisory) in FIXED_IN.items():
        assert Version(pins[package]) >= Version(fixed), \
            f"{package}=={pins[package]} is in the range of {advisory}; pin {fixed} or later"


def test_the_pinned_pyarrow_is_one_streamlit_accepts():
    pins = _pins()
    wanted = [Requirement(r) for r in requires("streamlit") or () if Requirement(r).name.lower() == "pyarrow"]
    assert wanted and all(r.specifier.contains(pins["pyarrow"]) for r in wanted), wanted
