# tries: close stdout/stderr (so readers see EOF) and keep running in the background
# contained: the wall timeout still kills it; run() still returns
# category: output
# expect: wall timeout
import os
import time

os.close(1)
os.close(2)
time.sleep(10**6)
