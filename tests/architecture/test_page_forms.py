"""Every page's form derives from ``core.forms.PageForm``, never from Flask-WTF's ``FlaskForm``.

``PageForm.validate`` is where text the database cannot store (a NUL pasted into a note) is said
next to its field (``core.inputs.say_unstorable``): a form built on ``FlaskForm`` itself would
take the cleaned text as valid, and its page would answer the bare 400 of ``core.database``'s
refused write instead of the form with what was typed. Read from the source with ``ast``.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("complaints", "core", "dashboard", "standup", "wishes")
BASE = ROOT / "core" / "forms.py"


def _base_names(node: ast.ClassDef) -> list[str]:
    return [base.id if isinstance(base, ast.Name) else ast.unparse(base) for base in node.bases]


def test_no_form_is_built_on_flask_wtf_directly():
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == BASE:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.ClassDef) and any(
                    name.split(".")[-1] == "FlaskForm" for name in _base_names(node)
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not found, "derive these from core.forms.PageForm: " + ", ".join(found)
