from config.formats.shared import *  # noqa: F403 - Django reads the module's names

# "30 қыркүйек 2026 ж.": the month in lower case comes from locale/dates.
DATE_FORMAT = r"j E Y \ж."
DATETIME_FORMAT = r"j E Y \ж. H:i"
YEAR_MONTH_FORMAT = r"F Y \ж."
MONTH_DAY_FORMAT = "j E"
