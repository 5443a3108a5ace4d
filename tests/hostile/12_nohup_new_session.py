# tries: leave a long-running process behind with subprocess + start_new_session + nohup
# contained: no process carrying the marker survives run()
# category: processes
# expect: none
import subprocess
import sys

# the interpreter ignoring SIGHUP (nohup's trick) rather than nohup and /bin/sh, which the root lacks
subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGHUP, signal.SIG_IGN); "
                  "time.sleep(300)", "__MARKER__"], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("spawned")
