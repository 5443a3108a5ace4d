# tries: leave a long-running process behind with subprocess + start_new_session + nohup
# contained: no process carrying the marker survives run()
# category: processes
# expect: none
import subprocess

subprocess.Popen(["nohup", "/bin/sh", "-c", "sleep 300; : __MARKER__"], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("spawned")
