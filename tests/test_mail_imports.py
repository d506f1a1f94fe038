"""``mail/`` is a service below the features (STYLE.md, the layers): it imports none of them, and
the features reach its senders only through the outbox, its kinds and the one wake flag."""

import ast
from pathlib import Path

import petition

PACKAGE = Path(petition.__file__).resolve().parent
FEATURES = (
    "petition.signing",
    "petition.sharing",
    "petition.letter",
    "petition.signers",
    "petition.endorsements",
    "petition.admin",
)


def imported(source, module):
    """The modules that ``source`` (the text of ``module``, dotted) imports or names as a string
    (``importlib.import_module``): ``from petition import signing`` counts as ``petition.signing``."""
    package = module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1] if node.level else [])
            name = ".".join(part for part in (base, node.module) if part)
            yield name
            yield from (f"{name}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("petition."):
            yield node.value


def is_feature(name):
    return any(name == feature or name.startswith(feature + ".") for feature in FEATURES)


def module_name(path):
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def test_the_import_walk_sees_every_way_of_importing_a_feature():
    source = (
        "import petition.letter.routes\n"
        "from petition.signing import tokens\n"
        "from petition import admin\n"
        "from .. import sharing\n"
        "from ..signers.queries import public_name\n"
        "import importlib\nimportlib.import_module('petition.endorsements.models')\n"
        "from petition.mail.kinds import register_kind\n"
    )
    found = {name for name in imported(source, "petition.mail.example") if is_feature(name)}
    assert found >= {
        "petition.letter.routes",
        "petition.signing",
        "petition.admin",
        "petition.sharing",
        "petition.signers.queries",
        "petition.endorsements.models",
    }
    assert not any(is_feature(name) for name in imported("from petition.mail import kinds\n", "petition.mail.x"))


def test_mail_imports_no_feature():
    files = sorted((PACKAGE / "mail").rglob("*.py"))
    assert files, "the mail package is where it should be"
    offences = [
        f"{module_name(path)} imports {name}"
        for path in files
        for name in imported(path.read_text(), module_name(path))
        if is_feature(name)
    ]
    assert offences == []


def test_only_mail_wake_sets_the_wake_flag():
    """A transaction tells its process's sender to look through ``wake_after_commit`` alone."""
    touching = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "info":
                owner = node.value
                name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
                if "session" in name:
                    touching.add(module_name(path))
    assert touching == {"petition.mail.wake"}
