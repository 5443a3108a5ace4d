# tries: burn CPU on several threads at once
# contained: killed by the CPU-time limit (counts all threads) or the wall timeout
# category: cpu
# expect: wall timeout|CPU time limit
import threading


def burn():
    while True:
        pass


for _ in range(4):
    threading.Thread(target=burn, daemon=True).start()
threading.Event().wait()
