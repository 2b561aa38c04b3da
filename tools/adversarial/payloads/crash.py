# crash: a segmentation fault, reading address 0 through ctypes.

import ctypes

ctypes.string_at(0)
