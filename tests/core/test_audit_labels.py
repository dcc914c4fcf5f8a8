"""#12: the audit trail speaks words, not codes: every action written anywhere has a label."""

import ast
import pathlib

from core import audit
from core.extensions import db
from tests.support.db import using

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ("core", "complaints", "wishes", "standup", "dashboard")
RECORDERS = {ROOT / "core" / "audit.py", ROOT / "complaints" / "events.py"}


class Unreadable(Exception):
    """An action code the scan cannot work out from the source."""


def _modules() -> dict[pathlib.Path, ast.Module]:
    return {
        path: ast.parse(path.read_text(), str(path))
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _recorder_calls(tree: ast.Module):
    """``audit.record(actor, entity_type, id, action, ...)`` and the complaint trail's
    ``events.record(actor, complaint_id, action, at, ...)``: (entity_type node, action node)."""
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "record"
            and isinstance(node.func.value, ast.Name)
        ):
            continue
        if node.func.value.id == "audit":
            yield node, node.args[1], node.args[3]
        elif node.func.value.id == "events":
            yield node, ast.Constant("complaint"), node.args[2]


class Resolver:
    """The strings an expression can be: literals, ``a if c else b``, ``"x" + y``, a name assigned
    in the function or module, or a parameter (its default and what every caller passes)."""

    def __init__(self, modules: dict[pathlib.Path, ast.Module]):
        self.modules = modules
        self.parents = {path: _parents(tree) for path, tree in modules.items()}

    def values(self, node: ast.AST, path: pathlib.Path) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return self.values(node.body, path) | self.values(node.orelse, path)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.values(node.left, path), self.values(node.right, path)
            return {a + b for a in left for b in right}
        if isinstance(node, ast.Name):
            return self._name(node, path)
        raise Unreadable(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")

    def _name(self, node: ast.Name, path: pathlib.Path) -> set[str]:
        scope = self.parents[path].get(node)
        while scope is not None and not isinstance(scope, ast.FunctionDef):
            scope = self.parents[path].get(scope)
        for where in (scope, self.modules[path]):
            if where is None:
                continue
            found = set()
            for assign in ast.walk(where):
                if isinstance(assign, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == node.id for t in assign.targets
                ):
                    found |= self.values(assign.value, path)
            if found:
                return found
            if where is scope:
                parameter = self._parameter(scope, node.id, path)
                if parameter:
                    return parameter
        raise Unreadable(f"{path.relative_to(ROOT)}:{node.lineno}: {node.id}")

    def _parameter(self, function: ast.FunctionDef, name: str, path: pathlib.Path) -> set[str]:
        arguments = function.args.args
        names = [a.arg for a in arguments]
        if name not in names:
            return set()
        index = names.index(name)
        found = set()
        defaults = function.args.defaults
        offset = len(arguments) - len(defaults)
        if index >= offset:
            found |= self.values(defaults[index - offset], path)
        for caller_path, tree in self.modules.items():
            for call in ast.walk(tree):
                if not isinstance(call, ast.Call):
                    continue
                called = call.func.attr if isinstance(call.func, ast.Attribute) else None
                called = call.func.id if isinstance(call.func, ast.Name) else called
                if called != function.name:
                    continue
                passed = [k.value for k in call.keywords if k.arg == name]
                if len(call.args) > index:
                    passed.append(call.args[index])
                for value in passed:
                    found |= self.values(value, caller_path)
        return found


def written_action_codes() -> dict[str, str]:
    """Every ``entity_type.action`` the code base records, with where: read from the source."""
    modules = _modules()
    resolver = Resolver(modules)
    codes = {}
    for path, tree in modules.items():
        if path in RECORDERS:  # the recorders pass on what their callers give them
            continue
        for call, entity, action in _recorder_calls(tree):
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            for kind in resolver.values(entity, path):
                for code in resolver.values(action, path):
                    codes[f"{kind}.{code}"] = where
    return codes


def test_every_action_code_recorded_anywhere_has_a_label():
    codes = written_action_codes()
    # The scan really reads the calls: literals, conditionals, names and passed parameters.
    assert len(codes) > 40
    for known in (
        "complaint.compensation_approved",  # "compensation_approved" if approve else ...
        "complaint.step_unchecked",  # action = "step_checked" if ... else "step_unchecked"
        "user.password_reset",  # set_password(user, password, "password_reset")
        "user.password_set",  # set_password's default
        "rating_import.imported",  # a module constant as the entity type
        "wish.asked_again",
    ):
        assert known in codes
    missing = {code: where for code, where in codes.items() if code not in audit.ACTION_LABELS}
    assert missing == {}
    kinds = {code.split(".", 1)[0] for code in audit.ACTION_LABELS}
    assert kinds == set(audit.KIND_LABELS)  # each kind named on the page, in words


def test_an_unknown_code_falls_back_to_the_code(app):
    with app.test_request_context():
        assert audit.action_label("complaint", "made_up") == "complaint.made_up"
        assert str(audit.action_label("complaint", "opened")) == "opened the complaint"


def test_the_audit_page_shows_labels_in_the_viewers_language(app, client, login_as, make_user):
    someone = make_user("admin", name="Hanna Label")
    with using(app):
        audit.record(someone.id, "complaint", 5, "compensation_approved", amount="25.00")
        audit.record(someone.id, "complaint", 6, "made_up_action")
        db.session.commit()
    login_as("admin")
    english = client.get("/admin/audit/").text
    assert "<td>approved compensation</td>" in english
    assert "<td>complaint.made_up_action</td>" in english  # unknown: its code, not nothing
    assert '<option value="complaint.compensation_approved">approved compensation' in english
    client.post("/auth/account", data={"name": "Admin", "timezone": "", "locale": "ru"})
    russian = client.get("/admin/audit/").text
    assert "<td>одобрил(а) компенсацию</td>" in russian
    assert "approved compensation" not in russian
    assert (
        "<td>Жалоба #5</td>" in russian and '<option value="complaint">Жалоба</option>' in russian
    )
    assert ">complaint<" not in russian and "complaint #" not in russian  # no code shown
    # The menu's code filters by kind and action together.
    filtered = client.get("/admin/audit/?action=complaint.compensation_approved").text
    assert "Жалоба #5" in filtered and "Жалоба #6" not in filtered
