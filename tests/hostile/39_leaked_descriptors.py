# tries: find file descriptors leaked from the caller (pipes, sockets, files) beyond stdin/out/err
# contained: only 0, 1 and 2 are open when the program starts
# category: secrets
# expect: none
import os

leaked = []
for fd in range(3, 1024):
    try:
        os.fstat(fd)
        leaked.append(fd)
    except OSError:
        pass
print("ESCAPED leaked fds", leaked) if leaked else print("no leaked fds")
