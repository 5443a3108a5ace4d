# tries: spin the CPU forever
# contained: killed by the wall timeout or the CPU-time limit; nothing left running
# category: cpu
# expect: wall timeout|CPU time limit
while True:
    pass
