"""Keeping Numba's on-disk cache honest across files (plain Python, no kernel).

Numba keys a module's cache on that module's file alone, yet its machine code holds
the constants of ``kernels/layout.py`` and the compiled callees of other kernel files.
Each kernel module compiles in a stamp of the files it depends on and drops a cache
built from other versions of them, so that an edit there never runs stale code.
"""

import hashlib
from pathlib import Path

from numba.core.registry import CPUDispatcher


def sources_stamp(module_file, names):
    """A 56-bit hash of the kernel files ``names`` beside ``module_file``."""
    sources = b"".join(Path(module_file).with_name(name).read_bytes() for name in names)
    return int.from_bytes(hashlib.sha256(sources).digest()[:7], "little")


def drop_stale_cache(namespace, compiled_stamp, stamp):
    """Flush the cache of every kernel defined in ``namespace`` (a module's globals)
    when ``compiled_stamp()``, the stamp its cached code holds, is not ``stamp``."""
    if compiled_stamp() == stamp:
        return
    module = namespace["__name__"]
    for kernel in list(namespace.values()):
        if isinstance(kernel, CPUDispatcher) and kernel.py_func.__module__ == module:
            kernel._cache.flush()  # private: the only handle on a dispatcher's index file


__all__ = ["drop_stale_cache", "sources_stamp"]
