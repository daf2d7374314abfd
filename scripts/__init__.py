"""Project scripts that work on the OpenAPI documents: importing SkyPortal's own spec, and comparing two specs."""
