"""Uploads of whole light curves, as a pipeline that only moves forward: read (``_light_curves.tables``)
→ normalise (units, times) → check (one rule table) → plan (chunks) → send → record (the manifest),
and the rollback that undoes a recorded upload."""
