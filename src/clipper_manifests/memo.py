"""The one memo facility: every process-wide cache is named here, bounded, and can be emptied.

Two kinds: `Table` (a dict emptied when full, the eviction every module memo used before; by
value, or by the identity of the objects in the key) and `function` (functools.lru_cache, for
hot paths where its C speed matters). Correctness never depends on a memo: keys are the content
a value is computed from (a file's bytes, a text, a pickled document), so a memo only saves
work; `clear_all` is for tests.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any, Generic, Literal, Protocol, TypeVar, cast

V = TypeVar("V")
F = TypeVar("F", bound=Callable[..., Any])


class _Memo(Protocol):
    def clear(self) -> None: ...

    def __len__(self) -> int: ...


_MEMOS: dict[str, _Memo] = {}


def _register(name: str, memo: _Memo) -> None:
    if name in _MEMOS:
        raise ValueError(f"memo {name} is registered twice")
    _MEMOS[name] = memo


class Table(Generic[V]):
    """A named memo of computed values, bounded: when full it is emptied (a build's working set
    is far below every bound, so this is a guard on memory, not an eviction policy)."""

    def __init__(self, name: str, limit: int, *, by: Literal["value", "identity"] = "value", private: bool = False) -> None:
        self.name, self.limit, self.by = name, limit, by
        self._values: dict[Hashable, tuple[Any, V]] = {}
        if not private:
            _register(name, self)

    @classmethod
    def private(cls, limit: int) -> Table[V]:
        """A table nobody else sees (an object's own memo, such as a test's writer)."""
        return cls("", limit, private=True)

    def get(self, key: Any, compute: Callable[[], V]) -> V:
        """The value for `key`, computed once. by="identity": `key` is an object or a tuple of
        objects, stored with the value so that its id()s cannot be reused while it is here; a
        hit needs the very same objects, not equal ones."""
        if self.by == "identity":
            objects = key if isinstance(key, tuple) else (key,)
            ids = tuple(map(id, objects))
            stored = self._values.get(ids)
            # Equal id tuples have equal lengths; the objects themselves must still be the same.
            if stored is not None and all(a is b for a, b in zip(stored[0], objects, strict=True)):
                return stored[1]
            value = compute()
            self._store(ids, (objects, value))
            return value
        found = self._values.get(key)
        if found is not None:
            return found[1]
        value = compute()
        self._store(key, (None, value))
        return value

    def _store(self, key: Hashable, entry: tuple[Any, V]) -> None:
        if len(self._values) >= self.limit:
            self._values.clear()
        self._values[key] = entry

    def clear(self) -> None:
        self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


class _Function:
    """A registered lru_cache'd function, seen by clear_all and sizes."""

    def __init__(self, cached: Any) -> None:
        self._cached = cached

    def clear(self) -> None:
        self._cached.cache_clear()

    def __len__(self) -> int:
        return int(self._cached.cache_info().currsize)


def function(name: str, maxsize: int, *, typed: bool = False) -> Callable[[F], F]:
    """functools.lru_cache underneath (C speed on hot paths), registered by name."""

    def wrap(compute: F) -> F:
        cached = functools.lru_cache(maxsize=maxsize, typed=typed)(compute)
        _register(name, _Function(cached))
        return cast(F, cached)

    return wrap


def clear_all() -> None:
    """Empty every memo (tests; nothing in a build needs it)."""
    for memo in _MEMOS.values():
        memo.clear()


def sizes() -> dict[str, int]:
    """Name → entries, of every memo registered so far."""
    return {name: len(memo) for name, memo in sorted(_MEMOS.items())}
