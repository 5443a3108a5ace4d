# tries: read the caller's environment and memory through /proc (parent pid, the test's pid, every pid)
# contained: the caller's /proc entries are not visible or not readable; no secret printed
# category: secrets
# expect: none
import os

for pid in (os.getppid(), int("__TEST_PID__"), 1):
    for what in ("environ", "cmdline", "mem"):
        try:
            with open(f"/proc/{pid}/{what}", "rb") as f:
                data = f.read(4096)
            if b"OPENAI_API_KEY" in data or b"sk-polya-test" in data:
                print("ESCAPED secret via", pid, what)
            else:
                print("read", pid, what, len(data))
        except OSError as exc:
            print("blocked", pid, what, exc.strerror)
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            if b"sk-polya-test" in f.read():
                print("ESCAPED secret in", pid)
    except OSError:
        pass
print("visible pids", sorted(int(p) for p in os.listdir("/proc") if p.isdigit())[:20])
