"""govreport: headline indicators from Chinese local-government work reports, as open data."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("govreport")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"
