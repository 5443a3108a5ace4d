# tries: kill the test process (SIGTERM) and, where that is scoped, every process it can see (kill -1)
# contained: the test process survives
# category: processes
# expect: any
# needs: not-host-root
import os
import signal

try:
    os.kill(int("__TEST_PID__"), signal.SIGTERM)
    print("ESCAPED signalled the test process")
except OSError as exc:
    print("blocked kill test pid", exc.strerror)
# kill(-1) only where it cannot reach beyond the sandbox (own uid, or a PID namespace): a safety net
# so that a broken sandbox fails this test instead of killing the machine.
if os.getuid() != 0 or os.getpid() < 10:
    os.kill(-1, signal.SIGKILL)
