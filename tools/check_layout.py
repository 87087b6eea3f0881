"""Layout check run by ``make lint`` and ``tests/test_layout.py``: no module under ``microexp/``
over 400 lines, no function or method over 80 lines.

    python tools/check_layout.py [ROOT]

Lists every offender (``path: N lines``, ``path:LINE name: N lines``) and exits 1 if there is
one, 0 otherwise. ROOT defaults to the repository's ``microexp/``.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
PACKAGE = Path(__file__).resolve().parent.parent / "microexp"


def offenders(root: Path = PACKAGE) -> list[str]:
    """One line per module over ``MAX_MODULE_LINES`` and per function over
    ``MAX_FUNCTION_LINES`` (from its ``def`` line to its last line), paths relative to
    ``root``'s parent."""
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root.parent).as_posix()
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"{name}: {lines} lines (module limit {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(text, filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(
                        f"{name}:{node.lineno} {node.name}: {length} lines "
                        f"(function limit {MAX_FUNCTION_LINES})"
                    )
    return found


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else PACKAGE
    found = offenders(root)
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
