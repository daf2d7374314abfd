"""Small utilities with no knowledge of SkyPortal: files replaced in one step, and progress reports."""
