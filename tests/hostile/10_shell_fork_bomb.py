# tries: the bash fork bomb through os.system, which backgrounds its children
# contained: bounded by the process limit; every bash is gone after run() returns
# category: processes
# expect: any
import os

os.system("bash -c ': __MARKER__; bomb() { bomb | bomb & }; bomb' 2>/dev/null")
