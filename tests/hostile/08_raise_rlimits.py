# tries: raise its own resource limits (address space, CPU, processes) back to unlimited, then allocate 2 GB
# contained: every raise refused; the allocation hits the memory limit
# category: limits
# expect: memory limit
import resource

for name in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_NPROC", "RLIMIT_FSIZE"):
    res = getattr(resource, name)
    try:
        resource.setrlimit(res, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        print("ESCAPED raised", name)
    except (ValueError, OSError) as exc:
        print("blocked", name, exc)
data = bytearray(2 * 1024**3)
print("ESCAPED allocated 2 GB")
