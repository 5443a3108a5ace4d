# tries: read secret files in the real home directory (planted config.toml and ssh key; ~/.ssh, ~/.netrc)
# contained: the real home is hidden; HOME points at the scratch dir
# category: secrets
# expect: none
import os

paths = ["__SECRET_HOME__/.config/polya/config.toml", "__SECRET_HOME__/.ssh/id_ed25519",
         "/root/.ssh/id_rsa", "/root/.ssh/id_ed25519", "/root/.netrc", "/root/.config/polya/config.toml",
         os.path.expanduser("~/.ssh/id_rsa")]
for path in paths:
    try:
        with open(path) as f:
            print("ESCAPED read", path, f.read()[:40])
    except OSError as exc:
        print("blocked", path, exc.strerror)
for d in ("/root", "/home"):
    try:
        print("listing", d, os.listdir(d)[:10])
    except OSError as exc:
        print("blocked list", d, exc.strerror)
