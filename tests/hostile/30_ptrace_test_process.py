# tries: attach to the test process with ptrace (ctypes) to read or steer it
# contained: PTRACE_ATTACH fails; the caller keeps running
# category: ctypes
# expect: none
# needs: not-host-root
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
PTRACE_ATTACH = 16
if libc.ptrace(PTRACE_ATTACH, int("__TEST_PID__"), None, None) == 0:
    print("ESCAPED ptrace attached")
else:
    print("blocked ptrace", os.strerror(ctypes.get_errno()))
