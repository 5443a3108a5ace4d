# tries: send UDP datagrams to a host UDP listener on 127.0.0.1
# contained: nothing arrives at the listener
# category: network
# expect: none
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(5):
    try:
        s.sendto(b"ESCAPED datagram", ("127.0.0.1", int("__UDP_PORT__")))
    except OSError as exc:
        print("blocked", exc)
        break
