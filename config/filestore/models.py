from django.db import models


class StoredFile(models.Model):
    """A file of the database storage; its bytes are in StoredChunk rows of `chunk_size` bytes
    (the last one shorter), so neither writing nor reading holds the whole file in memory."""

    name = models.CharField(max_length=500, unique=True)
    size = models.BigIntegerField(default=0)
    chunk_size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class StoredChunk(models.Model):
    file = models.ForeignKey(StoredFile, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["file", "index"], name="stored_chunk_unique_index")]

    def __str__(self) -> str:
        return f"{self.file_id}#{self.index}"
