"""Files kept in the database (FILE_STORAGE=database): any node reads what another wrote, with
no service beyond PostgreSQL. An app of its own because it has tables; it sits below every app,
which reach it only through Django's default storage."""
