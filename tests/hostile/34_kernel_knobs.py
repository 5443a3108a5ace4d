# tries: write to kernel interfaces (/proc/sysrq-trigger, /proc/sys, /sys) and load nothing good
# contained: all writes refused
# category: filesystem
# expect: none
# needs: not-host-root
for path, data in (("/proc/sysrq-trigger", "h"), ("/proc/sys/kernel/hostname", "escaped"),
                   ("/proc/sys/vm/drop_caches", "1"), ("/sys/kernel/mm/transparent_hugepage/enabled", "never")):
    try:
        with open(path, "w") as f:
            f.write(data)
        print("ESCAPED wrote", path)
    except OSError as exc:
        print("blocked", path, exc.strerror)
