"""Packaging for skyportal-client. The version comes from the generated package."""

import pathlib
import re

from setuptools import find_packages, setup

here = pathlib.Path(__file__).parent
version = re.search(r'^__version__ = "(.+)"$', (here / "skyportal_client" / "__init__.py").read_text(), re.M).group(1)

setup(
    name="skyportal-client",
    version=version,
    description="Upload and fetch photometry (light curves) on SkyPortal servers such as Fritz",
    long_description=(here / "README.md").read_text(),
    long_description_content_type="text/markdown",
    license="BSD-3-Clause",
    python_requires=">=3.10",
    packages=find_packages(include=["skyportal_client", "skyportal_client.*"]),
    package_data={"skyportal_client": ["py.typed"]},
    install_requires=["urllib3>=2.0,<3", "python-dateutil>=2.8"],
    extras_require={
        "astropy": ["astropy>=5"],
        "pandas": ["pandas>=1.3"],
        "progress": ["tqdm>=4"],
        "plot": ["matplotlib>=3.5"],
        # Faster JSON with the same results: msgspec decodes answers (light curves straight
        # to columns), orjson encodes upload bodies. See bench/README.md for the measurements.
        "fast": ["msgspec>=0.18.6", "orjson>=3.10"],
        # A rate limit shared among machines: rate_limit_store="redis://..." (SQLite needs nothing).
        "redis": ["redis>=4.2"],
        "test": [
            "pytest>=7",
            "hypothesis>=6",
            "openapi-spec-validator>=0.7",
            "PyYAML>=6",
            "schemathesis>=4.0,<5",
            # The table, progress and plot paths are tested too.
            "astropy>=5",
            "pandas>=1.3",
            "tqdm>=4",
            "matplotlib>=3.5",
            # ... and the fast JSON path (the suite runs without it too: see test/conftest.py).
            "msgspec>=0.18.6",
            "orjson>=3.10",
            # ... and the shared rate limit, with a real redis-server and a Dask cluster.
            "redis>=4.2",
            "dask[distributed]>=2023.1",
        ],
    },
    entry_points={
        # Named after the module, so that a conftest naming it in pytest_plugins loads it only once.
        "pytest11": ["skyportal_client.testing.pytest_plugin = skyportal_client.testing.pytest_plugin"],
        "console_scripts": ["skyportal-photometry = skyportal_client.cli:main"],
    },
    classifiers=[
        "Development Status :: 4 - Beta",
        "Intended Audience :: Science/Research",
        "License :: OSI Approved :: BSD License",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Topic :: Scientific/Engineering :: Astronomy",
        "Typing :: Typed",
    ],
)
