"""Django storage backed by the database (FILE_STORAGE=database).

A file is written chunk by chunk inside one transaction (a half-written file is never seen, and
a failed save leaves nothing) and read back lazily, one chunk per query, so a 200 MB upload or
a PDF streamed to a browser never sits whole in memory."""

import datetime
import io

from django.core.files.base import File
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.utils.deconstruct import deconstructible

from config.filestore.models import StoredChunk, StoredFile

CHUNK_SIZE = 1024 * 1024


class ChunkReader(io.RawIOBase):
    """A seekable, read-only stream over a stored file's chunks, fetched as they are reached."""

    def __init__(self, stored: StoredFile):
        super().__init__()
        self._stored = stored
        self._position = 0
        self._chunk_index: int | None = None
        self._chunk = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._stored.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer) -> int:
        if self._position >= self._stored.size:
            return 0
        index, offset = divmod(self._position, self._stored.chunk_size)
        if index != self._chunk_index:
            data = (
                StoredChunk.objects.filter(file_id=self._stored.pk, index=index)
                .values_list("data", flat=True)
                .first()
            )
            if data is None:
                raise OSError(
                    f"{self._stored.name}: chunk {index} is missing (the file was deleted while read)"
                )
            self._chunk_index, self._chunk = index, bytes(data)
        piece = self._chunk[offset : offset + len(buffer)]
        buffer[: len(piece)] = piece
        self._position += len(piece)
        return len(piece)


class StoredFileHandle(File):
    def __init__(self, stored: StoredFile):
        super().__init__(
            io.BufferedReader(ChunkReader(stored), buffer_size=stored.chunk_size), name=stored.name
        )
        self.size = stored.size


@deconstructible(path="config.filestore.storage.DatabaseStorage")
class DatabaseStorage(Storage):
    def _stored(self, name: str) -> StoredFile:
        stored = StoredFile.objects.filter(name=name).first()
        if stored is None:
            raise FileNotFoundError(name)
        return stored

    def _open(self, name: str, mode: str = "rb") -> File:
        if set(mode) - {"r", "b"}:
            raise ValueError(
                f"the database storage opens files for reading only (mode {mode!r}); save() writes them"
            )
        return StoredFileHandle(self._stored(name))

    def _save(self, name: str, content: File) -> str:
        while True:
            try:
                with transaction.atomic():
                    stored = StoredFile.objects.create(name=name, chunk_size=CHUNK_SIZE)
                    size = 0
                    for index, data in enumerate(_chunks(content)):
                        StoredChunk.objects.create(file=stored, index=index, data=data)
                        size += len(data)
                    StoredFile.objects.filter(pk=stored.pk).update(size=size)
                return name
            except IntegrityError:
                # Another node saved the same name since get_available_name looked: take another.
                if not self.exists(name):
                    raise
                name = self.get_available_name(name)

    def delete(self, name: str) -> None:
        StoredFile.objects.filter(name=name).delete()

    def exists(self, name: str) -> bool:
        return StoredFile.objects.filter(name=name).exists()

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        prefix = f"{path.strip('/')}/" if path.strip("/") else ""
        names = StoredFile.objects.filter(name__startswith=prefix).values_list("name", flat=True)
        folders, files = set(), []
        for name in names:
            head, separator, _rest = name[len(prefix) :].partition("/")
            if separator:
                folders.add(head)
            else:
                files.append(head)
        return sorted(folders), sorted(files)

    def size(self, name: str) -> int:
        return self._stored(name).size

    def get_created_time(self, name: str) -> datetime.datetime:
        return self._stored(name).created_at

    def get_modified_time(self, name: str) -> datetime.datetime:
        return self._stored(name).modified_at

    def get_accessed_time(self, name: str) -> datetime.datetime:
        return self.get_modified_time(name)

    def url(self, name: str) -> str:
        raise NotImplementedError("stored files are served by the views that check who may read them")


def _chunks(content: File):
    """The content in pieces of exactly CHUNK_SIZE bytes (the last one shorter), whatever sizes
    its own reads return: a chunk's index must say where it starts."""
    if getattr(content, "seekable", lambda: True)():
        content.seek(0)
    pending = bytearray()
    while data := content.read(CHUNK_SIZE):
        pending += data if isinstance(data, bytes) else data.encode()
        while len(pending) >= CHUNK_SIZE:
            yield bytes(pending[:CHUNK_SIZE])
            del pending[:CHUNK_SIZE]
    if pending:
        yield bytes(pending)
