"""Small utilities with no knowledge of SkyPortal: files replaced in one step, versioned JSON files
read and written, progress reports, and whether a value is a number or an integer (never a bool)."""
