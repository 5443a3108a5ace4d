# tries: grow a list of 10 MB strings until the machine runs out of memory
# contained: MemoryError at the address-space limit, reported as the memory limit
# category: memory
# expect: memory limit
blocks = []
while True:
    blocks.append(b" " * 10_000_000)
