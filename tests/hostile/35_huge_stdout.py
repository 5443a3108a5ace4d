# tries: print forever to flood the caller's memory
# contained: killed at the output limit; captured stdout truncated and marked
# category: output
# expect: output limit
while True:
    print("x" * 1000)
