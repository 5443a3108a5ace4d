# tries: ignore SIGTERM/SIGINT/SIGXCPU/SIGHUP so polite kills and the soft CPU limit do nothing
# contained: killed anyway (wall timeout SIGKILL, or the hard CPU limit's SIGKILL)
# category: cpu
# expect: wall timeout|CPU time limit|signal SIGKILL
import signal

for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGXCPU, signal.SIGHUP):
    signal.signal(sig, signal.SIG_IGN)
while True:
    pass
