# tries: rewrite the framework (the sandbox's own code, the verifier) or the interpreter's site-packages
# contained: all read-only
# category: filesystem
# expect: none
# needs: not-host-root
import os
import sysconfig

targets = ["__AGENT_FILE__", os.path.join(sysconfig.get_paths()["purelib"], "polya_escape.pth"),
           os.path.join(os.path.dirname(os.__file__), "polya_escape.py")]
for path in targets:
    try:
        with open(path, "a") as f:
            f.write("# ESCAPED\n")
        print("ESCAPED wrote", path)
    except OSError as exc:
        print("blocked", path, exc.strerror)
