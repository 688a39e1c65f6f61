"""Python 3.10 only: the real Tobii SDK. Shares helpers with the main suite."""
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tobii_dicts, tobii_fake
os.environ.setdefault("LSLAPICFG", str(HERE.parent / "lsl_loopback.cfg"))

collect_ignore = [] if sys.version_info[:2] == (3, 10) else ["test_tobii_sdk.py", "test_tobii_sdk_calibration.py",
                                                               "tobii_native_fake.py"]
