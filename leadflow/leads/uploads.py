"""Upload size limits, enforced before and while the request body is read.

Two checks: the declared ``Content-Length`` is refused before a byte of the body is
read, and ``SizeLimitUploadHandler`` counts the bytes actually received and stops the
upload past the limit, so a client that lies about its length cannot fill the disk.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from leadflow.leads.imports import max_upload_bytes

# Room for the multipart envelope and the form's other fields around the file itself.
ENVELOPE_BYTES = 64 * 1024


def too_large_message(limit_mb: int, size_bytes: int | None = None) -> str:
    size = f"The upload is {size_bytes / (1024 * 1024):,.0f} MB; " if size_bytes else ""
    return (f"{size}files are limited to {limit_mb} MB (LEADFLOW_MAX_UPLOAD_MB). "
            "Split the file, or export only the columns you need.")


def declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def declared_too_large(request: HttpRequest) -> bool:
    """True when the request announces more than the limit allows; nothing is read."""
    return declared_length(request) > max_upload_bytes() + ENVELOPE_BYTES


class SizeLimitUploadHandler(FileUploadHandler):
    """First in the chain: counts file bytes and halts the upload past the limit.

    Raising ``StopUpload(connection_reset=True)`` makes Django stop reading the body at
    once; the later handlers' partial temporary file is closed (and so deleted).
    """

    def __init__(self, request: HttpRequest | None = None, *, limit_bytes: int) -> None:
        super().__init__(request)
        self.limit_bytes = limit_bytes
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit_bytes:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> Any:
        return None  # the next handler (memory or temporary file) builds the file


def install_size_limit(request: HttpRequest) -> SizeLimitUploadHandler:
    """Put the limit in front of Django's handlers; call before touching request.POST."""
    handler = SizeLimitUploadHandler(request, limit_bytes=max_upload_bytes())
    handlers = request.upload_handlers
    if not isinstance(handlers, list):  # an ImmutableList: the body was read already
        raise RuntimeError("install_size_limit() must run before request.POST is read")
    handlers.insert(0, handler)
    return handler
