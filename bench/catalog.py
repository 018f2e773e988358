"""Building a catalog version's tree, which each process does once per language before it serves
questionnaires, vs a bare SQL fetch of the same rows."""

from django.db import connection

from bench.harness import Result, ratio_result
from surveys.selectors import catalog_tree_build
from surveys.services import catalog_load


def run() -> list[Result]:
    version = catalog_load().version

    def bare_sql():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.code, a.name, a.weight, i.code, i.title, i.question, i.levels, i.weight, i.metric"
                " FROM surveys_indicator i JOIN surveys_area a ON a.id = i.area_id"
                " WHERE i.version_id = %s ORDER BY a.position, i.position",
                [version.pk],
            )
            return cursor.fetchall()

    return [
        ratio_result(
            "catalog_tree_vs_bare_sql",
            subject=lambda: catalog_tree_build(version=version, language="ru"),
            floor=bare_sql,
            target=3.0,
        )
    ]
