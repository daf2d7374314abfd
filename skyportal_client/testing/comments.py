"""/api/sources/{obj_id}/comments: free text on an object, never deduplicated.

The text is read as SkyPortal reads it (``text.replace(...)``), so a
missing one answers with Python's AttributeError text; an unknown object
reaches the database.  Comments on spectra, attachments and channels are
not emulated.
"""

from typing import Any

from . import envelope
from .annotations import checked_group_ids
from .base import Handler, permissions
from .envelope import ApiError

COMMENT_KEYS = ("obj_id", "channel", "id", "created_at", "attachment_name", "bot", "author_id", "system",
                "modified", "text", "origin")
INSERT_STATEMENT = (
    "[SQL: INSERT INTO comments (obj_id, channel, modified, created_at, text, attachment_name, _attachment_path, "
    "origin, bot, attachment_bytes, author_id) VALUES (%(obj_id)s::VARCHAR, %(channel)s::VARCHAR, "
    "timezone(%(timezone_1)s::VARCHAR, CURRENT_TIMESTAMP), timezone(%(timezone_1)s::VARCHAR, CURRENT_TIMESTAMP), "
    "%(text)s::VARCHAR, %(attachment_name)s::VARCHAR, %(_attachment_path)s::VARCHAR, %(origin)s::VARCHAR, "
    "%(bot)s, %(attachment_bytes)s, %(author_id)s::INTEGER) RETURNING comments.id, comments.modified, "
    "comments.created_at]")
NO_COMMENT = "Could not find any accessible comments."


class CommentHandler(Handler):
    def _comments(self, obj_id: str) -> list[dict[str, Any]]:
        accessible = self.store.accessible_group_ids(self.caller)
        result = []
        for row in self.store.shared_rows("comment", "obj_id = ?", (obj_id,)):
            if self.caller.is_admin or accessible & set(self.store.shared_group_ids("comment", row["id"])):
                author = self.store.get_user(row["author_id"])
                values = {**row, "channel": None, "attachment_name": None, "system": False, "origin": None,
                          "bot": bool(row["bot"])}
                result.append({**{key: values[key] for key in COMMENT_KEYS},
                               "author": {"username": author["username"], "first_name": None, "last_name": None,
                                          "gravatar_url": None, "is_bot": False},
                               "resourceType": "sources"})
        return result

    def get(self, resource: str, obj_id: str, comment_id: str | None = None) -> envelope.Response:
        comments = self._comments(obj_id)
        if comment_id is None:
            return envelope.success(comments)
        found = [comment for comment in comments if comment["id"] == int(comment_id)]
        if not found:
            raise ApiError(403, NO_COMMENT)
        return envelope.success(found[0])

    @permissions("Comment")
    def post(self, resource: str, obj_id: str, *ignored: str | None) -> envelope.Response:
        data = self.get_json()
        requested = data.get("group_ids")
        group_ids = (sorted(self.store.accessible_group_ids(self.caller)) if requested is None
                     else checked_group_ids(self.store, self.caller, requested))
        text = data.get("text")
        prefix = f"Error posting comment for {resource} {obj_id}: "
        if not isinstance(text, str):
            raise ApiError(400, f"{prefix}{type(text).__name__!r} object has no attribute 'replace'")
        if not self.store.obj_exists(obj_id):
            raise ApiError(400, f'{prefix}(psycopg.errors.ForeignKeyViolation) insert or update on table "comments" '
                                'violates foreign key constraint "comments_obj_id_fkey"\n'
                                f'DETAIL:  Key (obj_id)=({obj_id}) is not present in table "objs".\n'
                                f"{INSERT_STATEMENT}")
        # A comment posted with a token is a bot's comment.
        comment_id = self.store.insert_shared("comment", {"obj_id": obj_id, "text": text,
                                                          "author_id": self.caller.user_id, "bot": 1}, group_ids)
        return envelope.success({"comment_id": comment_id})

    @permissions("Comment")
    def delete(self, resource: str, obj_id: str, comment_id: str) -> envelope.Response:
        if not any(comment["id"] == int(comment_id) for comment in self._comments(obj_id)):
            raise ApiError(403, NO_COMMENT)
        self.store.delete_shared("comment", int(comment_id))
        return envelope.success({})
