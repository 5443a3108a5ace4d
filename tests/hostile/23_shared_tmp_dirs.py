# tries: drop files in world-writable places (/tmp, /dev/shm, /var/tmp) for a later process to find
# contained: all read-only inside the sandbox (TMPDIR points at scratch instead)
# category: filesystem
# expect: none
import os
import tempfile

for d in ("/tmp", "/dev/shm", "/var/tmp"):
    try:
        with open(os.path.join(d, "polya-drop-__MARKER__"), "w") as f:
            f.write("ESCAPED")
        print("ESCAPED wrote in", d)
    except OSError as exc:
        print("blocked", d, exc.strerror)
with tempfile.NamedTemporaryFile(delete=False) as f:
    print("tempfile lands in scratch:", os.path.dirname(f.name) == os.getcwd())
