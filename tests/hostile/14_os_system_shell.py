# tries: drop to a shell with os.system and read /etc/shadow, write outside, look at who it is
# contained: the shell runs but as an unprivileged uid: shadow unreadable, no write outside scratch
# category: shell
# expect: none
import os

os.system("id; cat /etc/shadow >/dev/null 2>&1 && echo ESCAPED read shadow")
os.system("echo ESCAPED > __SENTINEL_DIR__/shell.txt 2>/dev/null || echo blocked write")
