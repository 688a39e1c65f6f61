"""The gazetype application: CLI, composition root and Qt windows."""
