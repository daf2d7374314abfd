"""Photometry as tables: columns read from many shapes, and points written out as astropy tables,
pandas frames, CSV, ECSV or JSON (docs/tables.md).

``read_columns`` reads what an upload accepts (a dict of columns, rows, an astropy Table, a pandas
DataFrame, a CSV or ECSV file) as plain columns; ``to_astropy`` and ``to_pandas`` make the tables
``as_="astropy"`` and ``as_="pandas"`` give; ``write_points`` and ``write_csv`` write points to a file.
"""

from skyportal_client._light_curves.tables import (
    read_columns,
    to_astropy,
    to_pandas,
    write_csv,
    write_points,
)

__all__ = ["read_columns", "to_astropy", "to_pandas", "write_csv", "write_points"]
