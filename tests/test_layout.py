"""The layout rule of ``make lint``, enforced by ``make test`` too: no module under ``microexp/``
over 400 lines, no function over 80 (``tools/check_layout.py``)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

TOOL = Path(__file__).resolve().parent.parent / "tools" / "check_layout.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_layout", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_package_layout() -> None:
    found = _tool().offenders()
    assert found == [], "\n".join(found)


def test_offenders_are_listed_and_fail(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "small.py").write_text("def f():\n    return 1\n")
    (pkg / "long.py").write_text("x = 1\n" * 401)
    # 1 + 80 lines: over the limit, also as a method; 400 lines and 1 + 79 lines: at the limit
    (pkg / "func.py").write_text(
        "class A:\n    def g(self):\n" + "".join(f"        y{i} = {i}\n" for i in range(80))
    )
    out = subprocess.run(
        [sys.executable, str(TOOL), str(pkg)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 1
    assert out.stdout.splitlines() == [
        "pkg/func.py:2 g: 81 lines (function limit 80)",
        "pkg/long.py: 401 lines (module limit 400)",
    ]
    (pkg / "long.py").write_text("x = 1\n" * 400)
    (pkg / "func.py").write_text("def g():\n" + "".join(f"    y{i} = {i}\n" for i in range(79)))
    assert subprocess.run([sys.executable, str(TOOL), str(pkg)], check=False).returncode == 0
