# resources: allocates memory without end (touching every page, so it is really used).


def _eat():
    chunks = []
    while True:
        chunks.append(bytearray(256 * 1024 * 1024))
        chunks[-1][::4096] = b"x" * 65536


_eat()
