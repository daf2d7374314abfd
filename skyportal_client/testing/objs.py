"""DELETE /api/objs/{obj_id}: an object, once nothing of its own is left.

Read from SkyPortal's ObjHandler.delete (revision 8bd346c0): annotations,
photometry, comments and classifications must be removed first (spectra,
photometric series and GCN links do not exist here); candidates,
thumbnails and source rows go with the object.
"""

from . import envelope
from .base import Handler, permissions
from .envelope import ApiError


class ObjHandler(Handler):
    @permissions("System admin")
    def delete(self, obj_id: str) -> envelope.Response:
        if not self.store.obj_exists(obj_id):
            raise ApiError(400, f"Cannot find object with ID {obj_id}.")
        remaining = self.store.obj_dependents(obj_id)
        if remaining:
            raise ApiError(400, f"Please remove all associated {remaining[0]} from object with ID {obj_id} before "
                                "removing.")
        self.store.delete_obj(obj_id)
        return envelope.success({})
