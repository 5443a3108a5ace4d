# tries: classic fork bomb that keeps going when fork fails
# contained: fork refused past the process limit; killed at the wall timeout; no process left
# category: processes
# expect: wall timeout|CPU time limit|process limit
import os
import sys

sys.argv[0] = "__MARKER__"
while True:
    try:
        os.fork()
    except OSError:
        pass
