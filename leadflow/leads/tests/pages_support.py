"""Helpers for the import and DNC page tests: upload a file, read the mapping form's
defaults the way a browser would submit them, and find the job a response is about."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from leadflow.leads.models import ImportJob

SAMPLE_FILE = Path(__file__).resolve().parents[3] / "samples" / "leads-sample.csv"


def upload(client: Client, content: bytes, *, name: str = "leads.csv",
           campaign_id: int | None = None, url: str = "/campaigns/imports/new/",
           **extra: Any) -> Any:
    data: dict[str, Any] = {"file": SimpleUploadedFile(name, content, content_type="text/csv")}
    if campaign_id is not None:
        data["campaign"] = campaign_id
    return client.post(url, data, **extra)


def job_from_redirect(response: Any) -> ImportJob:
    assert response.status_code == 302, response.content.decode()[:2000]
    match = re.search(r"/campaigns/imports/(\d+)/", response["Location"])
    assert match, response["Location"]
    return ImportJob.objects.get(id=int(match.group(1)))


def form_defaults(response: Any) -> dict[str, Any]:
    """The mapping form's values as the page shows them (what a browser would post)."""
    form = response.context["form"]
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[name] = value
    return data


def column_index(job: ImportJob, header: str) -> int:
    return list(job.headers).index(header)


def text_of(response: Any) -> str:
    """The page's text with tags removed and whitespace collapsed."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
