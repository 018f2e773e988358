"""What the default storage holds, whichever backend FILE_STORAGE selects."""

from django.core.files.storage import default_storage


def stored_names(folder: str = "") -> list[str]:
    """Every file under `folder` (all of them by default), as storage names, sorted."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:  # the local storage has no folder until a file is saved in it
        return []
    prefix = f"{folder}/" if folder else ""
    names = [prefix + name for name in files]
    for sub in folders:
        names += stored_names(prefix + sub)
    return sorted(names)
