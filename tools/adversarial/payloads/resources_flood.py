# resources: floods the output with 5 MB of prints.

for _line in range(100_000):
    print("flood " * 8)
