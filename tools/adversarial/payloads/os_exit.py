# os-exit: ends the kernel's process at once.

import os

os._exit(0)
