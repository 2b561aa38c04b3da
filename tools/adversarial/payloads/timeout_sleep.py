# timeout: sleeps past the cell timeout.

import time

time.sleep(3600)
