"""The "would this email log?" form: fields to an email mapping, errors back to fields.

The fields are the keys of an emails file, so the library reads a form exactly as it
reads YAML; its errors (``to: no email address in 'x'``) name the key, which names
the field they are shown beside.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

FIELDS = ("from", "to", "cc", "bcc", "subject", "body")
LINK_FIELDS = ("from", "to", "cc", "bcc", "subject")
SHARED_BODY_CHARS = 1000
"""A body up to this long travels in the shareable link too; a longer one is left out."""


def form_values(source: Mapping[str, Any]) -> dict[str, str]:
    """The form's fields as given (strings, stripped; absent ones empty)."""
    return {name: str(source.get(name) or "").strip() for name in FIELDS}


def email_mapping(values: Mapping[str, str]) -> dict[str, Any]:
    """The email of the form's fields, with the keys of an emails file (empty fields left out)."""
    return {name: value for name, value in values.items() if value}


def field_errors(messages: list[str]) -> dict[str, str]:
    """Each library error message beside the field it is about (``email``: the whole form)."""
    errors: dict[str, str] = {}
    for message in messages:
        name, _, rest = message.partition(": ")
        parts = name.split(".")
        key = parts[-1] if rest else ""
        if key.isdigit():  # "emails.0.to.1: …" names a list item; "0: …" the whole email
            key = parts[-2] if len(parts) > 1 else ""
        if key in FIELDS:
            errors.setdefault(key, _plain(rest))
        elif "'from'" in message:
            errors.setdefault("from", "Give the sender's address.")
        else:
            errors.setdefault("email", _plain(message))
    return errors


def _plain(message: str) -> str:
    """A library message as a sentence for a form."""
    text = message.strip()
    if text.startswith("no email address in "):
        return f"This is not an email address: {text.removeprefix('no email address in ')}."
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def share_link(values: Mapping[str, str]) -> tuple[str, str]:
    """The ``/simulate?…`` link that shows the same result, and a note when it leaves out
    the body."""
    query = {name: values[name] for name in LINK_FIELDS if values.get(name)}
    note = ""
    body = values.get("body", "")
    if body and len(body) <= SHARED_BODY_CHARS:
        query["body"] = body
    elif body:
        note = (
            f"The link leaves out the body (longer than {SHARED_BODY_CHARS} characters): "
            "a content filter on the body may judge the linked email differently."
        )
    return "/simulate?" + urlencode(query), note


def values_of_email(email: Mapping[str, Any], display_from: str, body: str) -> dict[str, str]:
    """Form values that describe an email read from headers or an .eml."""
    return {
        "from": display_from or str(email.get("from") or ""),
        "to": ", ".join(email.get("to") or ()),
        "cc": ", ".join(email.get("cc") or ()),
        "bcc": ", ".join(email.get("bcc") or ()),
        "subject": str(email.get("subject") or ""),
        "body": body,
    }
