# tries: reach the host listener via ::1 and the name "localhost"
# contained: both fail; the listener receives nothing
# category: network
# expect: none
import socket

for host in ("::1", "localhost"):
    try:
        s = socket.create_connection((host, int("__PORT__")), timeout=2)
        s.sendall(b"ESCAPED")
        print("ESCAPED connected to", host)
    except OSError as exc:
        print("blocked", host, exc)
