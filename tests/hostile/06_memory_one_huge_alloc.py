# tries: allocate 100 GB in one go
# contained: refused at the address-space limit, reported as the memory limit
# category: memory
# expect: memory limit
data = bytearray(100 * 1024**3)
print("ESCAPED allocated", len(data))
