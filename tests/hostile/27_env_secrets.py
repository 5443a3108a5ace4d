# tries: read API keys from the environment (the test plants OPENAI_API_KEY in its own environment)
# contained: the sandbox environment holds none of the caller's variables
# category: secrets
# expect: none
import os

print(sorted(os.environ))
for key, value in os.environ.items():
    if "KEY" in key or "TOKEN" in key or "SECRET" in key:
        print("ESCAPED", key, value)
