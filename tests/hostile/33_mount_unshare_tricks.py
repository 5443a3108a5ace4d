# tries: undo the sandbox mounts (umount the hidden home, remount / read-write), then make its own
#        user namespace (ctypes unshare) and try again from there
# contained: all refused; sentinel unchanged
# category: ctypes
# expect: none
# needs: not-host-root
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
for target in (b"/root", b"/home", b"/"):
    if libc.umount2(target, 2) == 0:  # MNT_DETACH
        print("ESCAPED umount", target)
if libc.mount(None, b"/", None, 32 | 4096, None) == 0:  # MS_REMOUNT|MS_BIND, read-write
    print("ESCAPED remount rw")
CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000
if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0:
    print("own user namespace; uid", os.getuid())
    if libc.mount(None, b"/", None, 32 | 4096, None) == 0:
        print("remounted / rw inside own namespace")
    for target in (b"/root", b"/home"):
        if libc.umount2(target, 2) == 0 and os.path.exists("/root/.bashrc"):
            print("ESCAPED revealed real /root")
else:
    print("blocked unshare", os.strerror(ctypes.get_errno()))
try:
    with open("__SENTINEL_DIR__/sentinel.txt", "w") as f:
        f.write("ESCAPED")
    print("ESCAPED wrote sentinel")
except OSError as exc:
    print("blocked write", exc.strerror)
