"""Run the `bc` command as `python -m bc`."""

import sys

from bc.cli import main

sys.exit(main())
