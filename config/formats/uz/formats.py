from config.formats.shared import *  # noqa: F403 - Django reads the module's names

# "30-sentabr 2026": the month in lower case comes from locale/dates.
DATE_FORMAT = "j-E Y"
DATETIME_FORMAT = "j-E Y H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j-E"
