# tries: start ten thousand threads
# contained: refused past the process limit (threads count as tasks)
# category: processes
# expect: process limit|memory limit
import threading
import time

threads = []
for _ in range(10_000):
    t = threading.Thread(target=time.sleep, args=(30,), daemon=True)
    t.start()
    threads.append(t)
print("ESCAPED started", len(threads))
