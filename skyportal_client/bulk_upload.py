"""Whole light curves up, and undone (docs/bulk-upload.md): ``upload_photometry`` checks every row,
sends in chunks and records each chunk in a manifest; ``plan_upload`` says beforehand what it
would send; ``plan_rollback`` and ``rollback`` delete what a manifest says an upload added.
"""

from skyportal_client._uploads.pipeline import (
    UploadPlan,
    UploadResult,
    plan_upload,
    upload_photometry,
)
from skyportal_client._uploads.rollback import (
    RollbackPlan,
    RollbackResult,
    plan_rollback,
    rollback,
)
from skyportal_client.exceptions import (
    ManifestError,
    RollbackIncomplete,
    UploadValidationError,
)

__all__ = [
    "upload_photometry", "plan_upload", "UploadPlan", "UploadResult",
    "plan_rollback", "rollback", "RollbackPlan", "RollbackResult",
    "ManifestError", "RollbackIncomplete", "UploadValidationError",
]
