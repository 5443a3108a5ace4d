# tries: block forever without using CPU (the CPU limit never fires)
# contained: killed by the wall timeout
# category: cpu
# expect: wall timeout
import time

time.sleep(10**6)
