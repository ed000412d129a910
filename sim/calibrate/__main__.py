import sys

from sim.calibrate.cli import main

sys.exit(main())
