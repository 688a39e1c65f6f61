"""The gazetype application: CLI and Qt windows."""
__version__ = "0.1.0"
