# tries: classic daemon: fork, setsid, fork again, outlive the program, then act later
# contained: the daemon dies with the sandbox (PID namespace / uid sweep); it never writes its sentinel
# category: processes
# expect: none
import os
import sys
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        # the interpreter, not /bin/sh: the sandbox's root has no shell, and the daemon must really start
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(3); "
                 "open('__SENTINEL_DIR__/daemon.txt', 'w').write('ESC' + 'APED')", "__MARKER__"])
    os._exit(0)
time.sleep(0.3)
print("parent exiting")
