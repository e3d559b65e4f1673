"""The distribution's version, read by hatchling and exposed as ``selzy.__version__``."""

__version__ = "0.1.0"
