# tries: talk to a host service over a world-writable UNIX socket outside the scratch dir
#        (network namespaces do not cover path-named UNIX sockets)
# contained: refused (seccomp denies AF_UNIX sockets; the host's /tmp and /run are hidden); listener gets nothing
# category: network
# expect: none
import socket

try:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("__UNIX_SOCK__")
    s.sendall(b"ESCAPED over unix socket")
    print("ESCAPED connected")
except OSError as exc:
    print("blocked", exc)
