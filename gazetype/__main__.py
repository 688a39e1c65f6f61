import sys

from gazetype.app.cli import main

sys.exit(main())
