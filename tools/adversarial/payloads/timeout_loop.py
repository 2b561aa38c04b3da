# timeout: loops for ever and swallows the interrupt sent at the timeout.

import time

while True:
    try:
        time.sleep(3600)
    except KeyboardInterrupt:
        pass
