# tries: open a TCP connection to a listener on the host's 127.0.0.1 and send data
# contained: connection fails; the test's listener receives nothing
# category: network
# expect: none
import socket

try:
    s = socket.create_connection(("127.0.0.1", int("__PORT__")), timeout=2)
    s.sendall(b"ESCAPED hello from the sandbox")
    print("ESCAPED connected")
except OSError as exc:
    print("blocked", exc)
