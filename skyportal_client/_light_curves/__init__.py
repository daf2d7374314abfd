"""Light curves out of SkyPortal: reading one object's points or a range, columnar decoding, tables
(astropy, pandas, CSV, ECSV), the download cache kept in sync with conditional requests, and plots."""
