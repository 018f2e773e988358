"""The apps' layering (README "Architecture"): config < surveys < assessment < reports <
workspace. An app imports only apps below it, so none import each other in a circle and none
imports the workspace; views are imported only by URL modules. Imports for type checking
alone (`if TYPE_CHECKING:`) are not dependencies at run time and are not counted."""

import ast
from pathlib import Path

from django.conf import settings

LAYERS = ("config", "surveys", "assessment", "reports", "workspace")
VIEW_MODULES = ("apis", "customer_apis", "respondent_apis", "narrative_apis", "views")
ROOT = Path(settings.BASE_DIR)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST):
    """Every module imported at run time, wherever the import stands."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking_only(node):
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        yield from _imports(node)


def import_edges(*, within_apps: bool = False) -> set[tuple[str, str, str]]:
    """(importing module, its app, imported module) for imports between the five apps, and
    inside each of them too with `within_apps`."""
    edges = set()
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for imported in _imports(ast.parse(path.read_text(), filename=str(path))):
                target = imported.split(".")[0]
                if target in LAYERS and (within_apps or target != app):
                    edges.add((module, app, imported))
    return edges


def test_apps_import_only_the_apps_below_them():
    upward = sorted(
        f"{module} imports {imported}"
        for module, app, imported in import_edges()
        if LAYERS.index(imported.split(".")[0]) > LAYERS.index(app)
    )
    assert upward == []


def test_the_graph_is_what_the_readme_draws():
    pairs = {(app, imported.split(".")[0]) for _module, app, imported in import_edges()}
    assert pairs == {
        ("surveys", "config"),
        ("assessment", "config"),
        ("assessment", "surveys"),
        ("reports", "config"),
        ("reports", "surveys"),
        ("reports", "assessment"),
        ("workspace", "config"),
        ("workspace", "surveys"),
        ("workspace", "assessment"),
        ("workspace", "reports"),
    }


def test_views_are_imported_only_by_url_modules():
    offenders = sorted(
        f"{module} imports {imported}"
        for module, _app, imported in import_edges(within_apps=True)
        if imported.split(".")[-1] in VIEW_MODULES and module.split(".")[-1] not in ("urls", "api_urls")
    )
    assert offenders == []
