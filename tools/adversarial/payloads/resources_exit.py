# resources: ends the kernel's program.

import sys

sys.exit(0)
