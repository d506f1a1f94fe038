"""The layers of STYLE.md, kept true by walking the imports of ``petition/``.

Read from the bottom up, an import only ever points down or sideways within a floor: the base and
the services (``mail/`` among them) import no feature; nothing below ``admin/`` imports it; no
routes module imports another. The features reach the outbox's senders only through its kinds
and the one wake flag.
"""

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
    "petition.updates",
    "petition.delivery",
    "petition.campaign",
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


# The two places that name every floor on purpose: the factory wires the blueprints, and the model
# registry imports every model so that migrations see the whole schema.
WIRING = {"petition", "petition.models"}
# Below the features: settings, extensions, database helpers, time, caches, i18n, tokens, the
# request checks and error pages, the audit log, the outbox, the PDF typesetter, and domain data
# that any floor reads.
SERVICES = {
    "petition.audit",
    "petition.cache",
    "petition.config",
    "petition.config_values",
    "petition.database",
    "petition.errors",
    "petition.extensions",
    "petition.forms",
    "petition.i18n",
    "petition.input_checks",
    "petition.links",
    "petition.provinces",
    "petition.proxy",
    "petition.security",
    "petition.timeutil",
    "petition.tokens",
}


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield module_name(path).removesuffix(".__init__"), path


def imports_of(module, path):
    return set(imported(path.read_text(), module))


def inside(name, package):
    return name == package or name.startswith(package + ".")


def test_nothing_below_the_administration_imports_it():
    offences = [
        f"{module} imports {name}"
        for module, path in modules()
        if not inside(module, "petition.admin") and module not in WIRING
        for name in imports_of(module, path)
        if inside(name, "petition.admin")
    ]
    assert offences == []


def test_the_services_import_no_feature():
    offences = [
        f"{module} imports {name}"
        for module, path in modules()
        if module in SERVICES or inside(module, "petition.mail") or inside(module, "petition.typesetting")
        for name in imports_of(module, path)
        if is_feature(name)
    ]
    assert offences == []


# The administration's blueprint, which gathers the blueprints of its pages: wiring, as the factory is.
ROUTES_WIRING = {"petition.admin.routes"}


def is_routes(module):
    """A module of views: a feature's ``routes.py``, or one of the administration's pages."""
    return module.endswith(".routes") or module.startswith("petition.admin.pages.")


def module_of(name, known):
    """The module that an imported ``name`` is, or holds (``package.module.function``)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name


def test_no_routes_module_imports_another():
    known = dict(modules())
    offences = [
        f"{module} imports {name}"
        for module, path in known.items()
        if is_routes(module) and module not in ROUTES_WIRING
        for name in imports_of(module, path)
        if (target := module_of(name, known)) != module and is_routes(target)
    ]
    assert offences == []


def test_no_module_is_longer_than_a_sitting():
    """STYLE.md: a few hundred lines; past 300 a module is doing two jobs."""
    long = {module: n for module, path in modules() if (n := len(path.read_text().splitlines())) > 300}
    assert long == {}
