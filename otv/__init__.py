"""otv: pre-merge verification for orchestration tools."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("otv")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
