# tries: classic daemon: fork, setsid, fork again, outlive the program, then act later
# contained: the daemon dies with the sandbox (PID namespace / uid sweep); it never writes its sentinel
# category: processes
# expect: none
import os
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sh", ["/bin/sh", "-c", "sleep 3; echo ESCAPED > __SENTINEL_DIR__/daemon.txt; : __MARKER__"])
    os._exit(0)
time.sleep(0.3)
print("parent exiting")
