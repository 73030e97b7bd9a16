"""Import rules as allow-lists (import-linter has block-lists only). Run by `make lint`.

1. A service's domain imports the standard library and its own domain package, nothing else.
2. The platform — the gateway (`taskhive_gateway`), infra (`taskhive_infra`) and `bench/` —
   reaches a service only through its composition root and settings: `<svc>_service.bootstrap`
   and `<svc>_service.config`. Everything else of a service may change without telling them.

Every import statement counts, wherever it sits: in a function (lazy), under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICE_PACKAGES = sorted(ROOT.glob("services/*/src/*_service"))
SERVICES = {package.name for package in SERVICE_PACKAGES}
PLATFORM_DOORS = ("bootstrap", "config")
PLATFORM = {
    "taskhive_gateway": ROOT / "gateway" / "src" / "taskhive_gateway",
    "taskhive_infra": ROOT / "infra" / "src" / "taskhive_infra",
    "bench": ROOT / "bench",
}


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str
    """The module named after `import` or `from` (relative imports made absolute)."""
    names: tuple[str, ...] = ()
    """What `from module import …` takes (a name or a submodule)."""

    def targets(self) -> Iterator[str]:
        """Every module this statement may load: `module`, and `module.name` for each name."""
        yield self.module
        for name in self.names:
            yield f"{self.module}.{name}"

    def __str__(self) -> str:
        taken = f" import {', '.join(self.names)}" if self.names else ""
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.module}{taken}"


def module_name(path: Path, source_root: Path) -> str:
    parts = list(path.relative_to(source_root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, source_root: Path) -> Iterator[Import]:
    """The imports of one file; `source_root` is where its top-level package lives."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    name = module_name(path, source_root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            yield Import(path, node.lineno, module, tuple(alias.name for alias in node.names))


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def is_stdlib(module: str) -> bool:
    return module.split(".")[0] in sys.stdlib_module_names


def domain_violations(domain: Path) -> list[Import]:
    """Imports of a domain package that are neither the standard library nor the domain."""
    source_root = domain.parents[1]
    package = module_name(domain / "__init__.py", source_root)
    return [
        found
        for path in sorted(domain.rglob("*.py"))
        for found in imports_of(path, source_root)
        if not is_stdlib(found.module)
        and not any(within(target, package) for target in found.targets())
    ]


def platform_violations(files: list[Path], source_root: Path) -> list[Import]:
    """Imports of any service module other than its bootstrap and config."""
    doors = {f"{service}.{door}" for service in SERVICES for door in PLATFORM_DOORS}
    violations = []
    for path in files:
        for found in imports_of(path, source_root):
            if found.module.split(".")[0] not in SERVICES:
                continue
            # `from auth_service import bootstrap` names the door as the imported name.
            allowed = found.module in doors or (
                found.module in SERVICES
                and bool(found.names)
                and set(found.names) <= {*PLATFORM_DOORS}
            )
            if not allowed:
                violations.append(found)
    return violations


def test_every_service_is_seen() -> None:
    # The rules below must not pass because the layout moved under them.
    assert {"auth_service", "users_service", "tasks_service", "web_service"} <= SERVICES
    assert all(path.is_dir() for path in PLATFORM.values())


@pytest.mark.parametrize("package", SERVICE_PACKAGES, ids=lambda path: path.name)
def test_a_domain_imports_the_standard_library_and_itself_only(package: Path) -> None:
    domain = package / "domain"
    assert (domain / "__init__.py").is_file(), f"{package.name} has no domain package"
    violations = domain_violations(domain)
    assert not violations, "domain imports outside the standard library:\n" + "\n".join(
        map(str, violations)
    )


@pytest.mark.parametrize("part", sorted(PLATFORM), ids=str)
def test_the_platform_reaches_a_service_through_bootstrap_and_config_only(part: str) -> None:
    directory = PLATFORM[part]
    files = sorted(directory.rglob("*.py"))
    assert files
    violations = platform_violations(files, directory.parent)
    assert not violations, (
        "import a service only through <svc>_service.bootstrap or .config (add a small "
        "function to the bootstrap if needed):\n" + "\n".join(map(str, violations))
    )


# --- the rules can fail -------------------------------------------------------------------


def _write(root: Path, relative: str, source: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, "utf-8")
    return path


def test_the_domain_rule_refuses_a_third_party_a_sibling_layer_and_the_shared_library(
    tmp_path: Path,
) -> None:
    domain = tmp_path / "demo_service" / "domain"
    _write(tmp_path, "demo_service/domain/__init__.py", "")
    _write(
        tmp_path,
        "demo_service/domain/model.py",
        "from __future__ import annotations\n"
        "import uuid\n"
        "from datetime import datetime\n"
        "from . import errors\n"
        "from .errors import Problem\n"
        "from demo_service.domain.errors import Other\n",
    )
    assert domain_violations(domain) == []
    _write(
        tmp_path,
        "demo_service/domain/errors.py",
        "import typing\n"
        "def late():\n"
        "    import sqlalchemy\n"
        "from ..application import ports\n"
        "from demo_service import config\n"
        "from taskhive_shared.ids import uuid7\n",
    )
    found = {violation.module for violation in domain_violations(domain)}
    assert found == {
        "sqlalchemy",
        "demo_service.application",
        "demo_service",
        "taskhive_shared.ids",
    }


def test_the_platform_rule_refuses_anything_but_bootstrap_and_config(tmp_path: Path) -> None:
    allowed = _write(
        tmp_path,
        "tool/ok.py",
        "from auth_service.bootstrap import build_runtime\n"
        "from auth_service import config\n"
        "import tasks_service.bootstrap\n"
        "from taskhive_shared.ids import uuid7\n",
    )
    assert platform_violations([allowed], tmp_path) == []
    refused = _write(
        tmp_path,
        "tool/bad.py",
        "from auth_service.domain.model import Role\n"
        "def lazy():\n"
        "    from tasks_service.entrypoints import events\n"
        "import web_service.adapters.wsgi_transport\n"
        "from users_service import bootstrap, adapters\n",
    )
    found = {violation.module for violation in platform_violations([refused], tmp_path)}
    assert found == {
        "auth_service.domain.model",
        "tasks_service.entrypoints",
        "web_service.adapters.wsgi_transport",
        "users_service",
    }
