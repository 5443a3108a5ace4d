# tries: reach the internet: DNS lookup and an HTTP request to a public host
# contained: name resolution / connection fail quickly
# category: network
# expect: none
import socket
import urllib.request

try:
    print("ESCAPED resolved", socket.getaddrinfo("pypi.org", 443)[0][4])
except OSError as exc:
    print("blocked dns", exc)
try:
    urllib.request.urlopen("http://1.1.1.1/", timeout=2)
    print("ESCAPED http")
except OSError as exc:
    print("blocked http", exc)
