# tries: a single 200 MB write, no newline
# contained: output limit; the caller keeps at most the limit
# category: output
# expect: output limit|memory limit
import os

os.write(1, b"y" * 200_000_000)
