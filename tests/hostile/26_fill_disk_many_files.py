# tries: fill the disk with many medium files, each under the per-file limit
# contained: stopped when the scratch space is full
# category: filesystem
# expect: disk limit|file size limit
# needs: scratch-tmpfs
chunk = b"x" * (1 << 20)
i = 0
while True:
    with open(f"part{i}.bin", "wb") as f:
        for _ in range(32):
            f.write(chunk)
    i += 1
