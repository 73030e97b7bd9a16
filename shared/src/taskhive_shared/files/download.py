"""The download endpoint any service mounts: `GET <prefix>/?key=…&expires=…&signature=…`.

No bearer token: the signed link is the authorisation (a browser follows it as is). Answers
403 problem+json for a forged or expired link and 404 when the file is gone (expired files are
removed by a beat job); otherwise the file, streamed, as an attachment.
"""

from __future__ import annotations

import mimetypes
from typing import Any

import marshmallow as ma
from flask import Response
from flask_smorest import Blueprint

from taskhive_shared.files.links import LinkExpired, LinkInvalid, LinkSigner
from taskhive_shared.files.port import FileMissing, FileStore, read_chunks
from taskhive_shared.http.docs import problem
from taskhive_shared.http.problem import ProblemError

_TYPES = {".csv": "text/csv; charset=utf-8", ".json": "application/json"}


class SignedLinkQuerySchema(ma.Schema):
    key = ma.fields.String(required=True, validate=ma.validate.Length(1, 512))
    expires = ma.fields.String(required=True, validate=ma.validate.Length(1, 12))
    signature = ma.fields.String(required=True, validate=ma.validate.Length(1, 128))


def content_type_of(key: str) -> str:
    dot = key.rfind(".")
    suffix = key[dot:] if dot >= 0 else ""
    return _TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def download_blueprint(
    name: str, url_prefix: str, store: FileStore, signer: LinkSigner
) -> Blueprint:
    """A flask-smorest blueprint serving the files of `store` to holders of signed links."""
    blp = Blueprint(name, __name__, url_prefix=url_prefix, description="Signed file downloads")

    @blp.route("/", methods=["GET"])
    @blp.arguments(SignedLinkQuerySchema(), location="query", unknown=ma.RAISE, as_kwargs=True)
    @blp.response(
        200, description="The file, as an attachment", content_type="application/octet-stream"
    )
    @problem(blp, 403, "Forged or expired link")
    @problem(blp, 404, "The file no longer exists")
    def download(key: str, expires: str, signature: str) -> Any:
        try:
            signer.verify(key, expires, signature)
        except LinkExpired as exc:
            raise ProblemError(
                403, "Forbidden", "The link has expired; ask for a new one.", slug="link-expired"
            ) from exc
        except LinkInvalid as exc:
            raise ProblemError(
                403, "Forbidden", "The link is not valid.", slug="link-invalid"
            ) from exc
        try:
            stream = store.open(key)
        except FileMissing as exc:
            raise ProblemError(404, "Not Found", "The file no longer exists.") from exc
        filename = key.rsplit("/", 1)[-1]
        return Response(
            read_chunks(stream),
            mimetype=None,
            content_type=content_type_of(key),
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
            direct_passthrough=True,
        )

    return blp
