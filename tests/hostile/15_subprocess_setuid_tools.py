# tries: regain root: setuid(0), su, sudo, a setuid binary
# contained: all refused (no privileges, no_new_privs, nosuid)
# category: shell
# expect: none
# needs: not-host-root
import os
import subprocess

try:
    os.setuid(0)
    print("ESCAPED setuid(0)")
except PermissionError as exc:
    print("blocked setuid", exc)
for cmd in (["sudo", "-n", "id", "-u"], ["su", "-c", "id -u"], ["mount", "-o", "remount,rw", "/"]):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=3, stdin=subprocess.DEVNULL)
        if out.returncode == 0 and out.stdout.strip() == "0":
            print("ESCAPED", cmd)
        else:
            print("blocked", cmd[0], out.returncode)
    except (OSError, subprocess.SubprocessError) as exc:
        print("blocked", cmd[0], type(exc).__name__)
print("uid", os.getuid(), "euid", os.geteuid())
if os.geteuid() == 0 and os.path.exists("/root/.bashrc"):
    print("ESCAPED real root")
