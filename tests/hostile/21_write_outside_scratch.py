# tries: create and overwrite files outside the scratch dir (sentinel dir, /tmp, /etc, the repo)
# contained: every write fails; the sentinel dir is unchanged
# category: filesystem
# expect: none

targets = ["__SENTINEL_DIR__/new.txt", "__SENTINEL_DIR__/sentinel.txt", "/tmp/polya-escape-__MARKER__",
           "/etc/polya-escape-__MARKER__", "/var/tmp/polya-escape-__MARKER__"]
for path in targets:
    try:
        with open(path, "a") as f:
            f.write("ESCAPED\n")
        print("ESCAPED wrote", path)
    except OSError as exc:
        print("blocked", path, exc.strerror)
