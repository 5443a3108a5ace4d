# tries: delete, rename and chmod files outside the scratch dir
# contained: all refused; the sentinel file is still there with its content
# category: filesystem
# expect: none
import os
import shutil

ops = [
    ("remove", lambda: os.remove("__SENTINEL_DIR__/sentinel.txt")),
    ("rename", lambda: os.rename("__SENTINEL_DIR__/sentinel.txt", "__SENTINEL_DIR__/moved.txt")),
    ("chmod", lambda: os.chmod("__SENTINEL_DIR__/sentinel.txt", 0o777)),
    ("rmtree", lambda: shutil.rmtree("__SENTINEL_DIR__")),
    ("truncate", lambda: os.truncate("__SENTINEL_DIR__/sentinel.txt", 0)),
]
for name, op in ops:
    try:
        op()
        print("ESCAPED", name)
    except OSError as exc:
        print("blocked", name, exc.strerror)
