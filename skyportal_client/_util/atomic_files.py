"""Files replaced in one step: a crash, a kill or a full disk leaves the old file or the new one, never half."""

import os
import tempfile

# The suffix of a file being written; a later run never reads one.
PARTIAL_SUFFIX = ".partial"


def replace_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path``, replacing what was there, in one step.

    The bytes go to a temporary file beside ``path`` (``.NAME.XXXX.partial``), are
    flushed to the disk, and the file is renamed over ``path``; the directory is then
    flushed too, so that the rename itself survives a power cut.
    """
    directory = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=PARTIAL_SUFFIX,
                                             dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    _flush_directory(directory)


def _flush_directory(directory: str) -> None:
    if os.name != "posix":  # Windows cannot open a directory; its renames are flushed with the file
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
