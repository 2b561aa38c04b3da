# resources: displays 8 MB of text.

from IPython.display import display

display({"text/plain": "x" * (8 * 1024 * 1024)}, raw=True)
