# tries: get memory behind Python's back: anonymous mmap of 8 GB and libc malloc through ctypes
# contained: both refused (RLIMIT_AS covers every mapping), no ESCAPED line
# category: memory
# expect: none|memory limit
import ctypes
import mmap

try:
    m = mmap.mmap(-1, 8 * 1024**3)
    m[-1] = 1
    print("ESCAPED mmap 8 GB")
except (OSError, MemoryError) as exc:
    print("blocked mmap:", exc)
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
ptr = libc.malloc(ctypes.c_size_t(8 * 1024**3))
print("ESCAPED malloc 8 GB" if ptr else "blocked malloc")
