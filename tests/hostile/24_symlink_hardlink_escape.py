# tries: write outside through a symlink and a hard link made inside the scratch dir
# contained: writing through the symlink fails; the hard link cannot be made; sentinel unchanged
# category: filesystem
# expect: none
import os

os.symlink("__SENTINEL_DIR__/sentinel.txt", "link.txt")
try:
    with open("link.txt", "w") as f:
        f.write("ESCAPED via symlink")
    print("ESCAPED symlink write")
except OSError as exc:
    print("blocked symlink", exc.strerror)
try:
    os.link("__SENTINEL_DIR__/sentinel.txt", "hard.txt")
    with open("hard.txt", "w") as f:
        f.write("ESCAPED via hardlink")
    print("ESCAPED hardlink write")
except OSError as exc:
    print("blocked hardlink", exc.strerror)
