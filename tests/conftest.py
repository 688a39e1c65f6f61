"""Test-wide setup. LSL must be configured before pylsl is first imported: liblsl
reads the file named by LSLAPICFG once, when the library loads."""
import os
from pathlib import Path

os.environ.setdefault("LSLAPICFG", str(Path(__file__).with_name("lsl_loopback.cfg")))
