# tries: crash the interpreter with a null-pointer read through ctypes
# contained: only the sandboxed process dies (SIGSEGV reported); the caller keeps going
# category: ctypes
# expect: signal SIGSEGV
import ctypes

ctypes.string_at(0)
