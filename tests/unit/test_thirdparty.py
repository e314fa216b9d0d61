"""Each adaptation in ``liquidity.thirdparty`` against the installed upstream.

These fail, saying what changed, when an upgrade breaks an adaptation or makes it
useless; ``tests/integration/test_thirdparty_redis.py`` checks the Redis repository's
behaviour against a real Redis."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
from importlib.metadata import version

import pytest

from liquidity.breakers import FallbackRepository, SharedUnitOfWork
from liquidity.thirdparty.purgatory import (
    AsyncAbstractRepository,
    AsyncAbstractUnitOfWork,
    AsyncRedisRepository,
)


def upstream(library: str) -> str:
    return f"{library} {version(library)}"


def fresh_python(code: str, what: str) -> str:
    """What ``code`` prints in a fresh interpreter (imports counted from scratch); a failure
    names the adaptation (``what``) and shows the traceback."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, f"{what}: the import fails now:\n{done.stderr}"
    return done.stdout.strip()


# -- purgatory --------------------------------------------------------------------------


def test_purgatory_imports_redis_only_to_name_a_type() -> None:
    plain = fresh_python("import sys, purgatory; print('redis' in sys.modules)", "purgatory")
    assert plain == "True", (
        f"{upstream('purgatory')} no longer imports redis on import: the redis hiding in "
        "liquidity/thirdparty/purgatory.py can go"
    )
    hidden = fresh_python(
        "import sys, typing, liquidity.thirdparty.purgatory\n"
        "from purgatory.service import _redis\n"
        "print('redis' in sys.modules, _redis.AsyncRedis is typing.Any)",
        f"{upstream('purgatory')} with redis hidden (liquidity/thirdparty/purgatory.py)",
    )
    assert hidden == "False True", (
        f"{upstream('purgatory')}: imported with redis hidden, redis still loads or "
        f"purgatory/service/_redis.py no longer falls back to Any ({hidden})"
    )


@pytest.mark.parametrize(
    ("module", "names"),
    [
        (
            "purgatory.service._async.repository",
            ("AsyncAbstractRepository", "AsyncInMemoryRepository", "AsyncRedisRepository"),
        ),
        ("purgatory.service._async.circuitbreaker", ("AsyncCircuitBreaker",)),
    ],
)
def test_purgatory_private_modules_still_hold_what_we_import(
    module: str, names: tuple[str, ...]
) -> None:
    try:
        found = importlib.import_module(module)
    except ImportError as exc:
        pytest.fail(
            f"{upstream('purgatory')}: {module} is gone ({exc}); "
            "liquidity/thirdparty/purgatory.py imports from it"
        )
    missing = [name for name in names if not hasattr(found, name)]
    assert not missing, f"{upstream('purgatory')}: {module} no longer has {missing}"


def test_fallback_repository_answers_every_repository_method() -> None:
    """``breakers.FallbackRepository`` forwards each method by name: a method upstream adds
    to the repository interface would silently take the base class's default."""
    upstream_methods = {
        name
        for name, value in vars(AsyncAbstractRepository).items()
        if callable(value) and not name.startswith("_")
    }
    missing = sorted(upstream_methods - set(vars(FallbackRepository)))
    assert not missing, (
        f"{upstream('purgatory')}: AsyncAbstractRepository has methods that "
        f"breakers.FallbackRepository does not forward: {missing}"
    )
    abstract = sorted(AsyncAbstractUnitOfWork.__abstractmethods__ - set(vars(SharedUnitOfWork)))
    assert not abstract, f"{upstream('purgatory')}: unit of work needs {abstract}"


def test_redis_repository_keeps_its_setup_in_the_attributes_we_overwrite() -> None:
    """``redis_repository`` overwrites ``redis``, ``prefix`` and ``messages`` after
    ``AsyncRedisRepository(url)``: renamed upstream, our values would be ignored."""
    params = list(inspect.signature(AsyncRedisRepository.__init__).parameters)
    assert params == ["self", "url"], (
        f"{upstream('purgatory')}: AsyncRedisRepository({', '.join(params[1:])}) may take "
        "the client, prefix or queue now: use that instead of overwriting attributes"
    )
    repository = AsyncRedisRepository("redis://127.0.0.1:1/0")  # builds a client, no connect
    assert sorted(vars(repository)) == ["messages", "prefix", "redis"], (
        f"{upstream('purgatory')}: AsyncRedisRepository's attributes are now "
        f"{sorted(vars(repository))}; liquidity/thirdparty/purgatory.py overwrites "
        "redis, prefix and messages"
    )
    for method in ("get", "register", "update_state", "inc_failures", "reset_failure"):
        source = inspect.getsource(getattr(AsyncRedisRepository, method))
        assert "self.redis." in source and "self.prefix" in source, (
            f"{upstream('purgatory')}: AsyncRedisRepository.{method} no longer goes through "
            "self.redis and self.prefix, which liquidity/thirdparty/purgatory.py overwrites"
        )


# -- httpx ------------------------------------------------------------------------------


def test_httpx_imports_its_command_line_and_does_without_it() -> None:
    plain = fresh_python("import sys, httpx; print('httpx._main' in sys.modules)", "httpx")
    assert plain == "True", (
        f"{upstream('httpx')} no longer imports httpx._main on import: "
        "liquidity/thirdparty/httpx.py can go"
    )
    refused = fresh_python(
        "import sys\nfrom liquidity.thirdparty.httpx import refuse_own_cli\nrefuse_own_cli()\n"
        "import httpx\nhttpx.Client().close()\n"
        "print('httpx._main' in sys.modules, callable(httpx.main))",
        f"{upstream('httpx')} with httpx._main refused (liquidity/thirdparty/httpx.py)",
    )
    assert refused == "False True", f"{upstream('httpx')}: refusing httpx._main: {refused}"
