# tries: flood stderr instead of stdout
# contained: killed at the output limit; captured stderr truncated and marked
# category: output
# expect: output limit
import sys

while True:
    sys.stderr.write("e" * 1000 + "\n")
