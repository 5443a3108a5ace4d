# tries: fill the disk with one ever-growing file in the scratch dir
# contained: stopped by the file-size limit (or the scratch tmpfs filling up)
# category: filesystem
# expect: file size limit|disk limit
chunk = b"x" * (1 << 20)
with open("big.bin", "wb") as f:
    while True:
        f.write(chunk)
