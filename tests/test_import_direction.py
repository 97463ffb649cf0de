"""Imports point down: commands over libraries over the model files, and no import circles.

The package's source is read, not imported (an import done by another test would hide nothing, and reading finds
function-level imports too): every ``import`` and ``from ... import`` of every module, wherever it stands. Each
failure names the file, the line, the import and the rule it breaks. The rules:

- only ``pglsum_hf.commands`` and ``pglsum_hf.cli`` import the commands layer (``commands``, ``cli``);
- only ``pglsum_hf.commands`` imports the Hub module (``hub``: uploads are a command's job);
- the model files (``configuration_pglsum``, ``modeling_pglsum``, ``choices_pglsum``) import only each other: they
  travel as remote code. The one exception is the config's import of ``pipeline_pglsum``, a marker: it runs only
  when the pipeline class is asked for, and its relative form is what makes ``save_pretrained`` copy
  ``pipeline_pglsum.py`` beside the model; that file hands over to the library inside a ``try`` and works without it;
- ``metrics`` imports nothing of the package outside itself (it is also the ``evaluate`` module's code);
- no module but ``commands`` imports the top-level ``pglsum_hf`` package (its ``__init__`` registers with
  transformers and imports the video pipeline): libraries import from the defining module;
- each library imports only the libraries below it (``LIBRARIES_BELOW``): video uses metrics; data uses metrics and
  video; training uses data, metrics and evaluation; app uses video.
"""

from __future__ import annotations

import ast
import collections
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "pglsum_hf"
MODEL_FILES = {"configuration_pglsum", "modeling_pglsum", "choices_pglsum"}
# (importer, imported) below the package: the config's marker import of the remote pipeline file (see above).
MARKER_IMPORTS = {("configuration_pglsum", "pipeline_pglsum")}
COMMANDS_LAYER = {"commands", "cli"}
# library -> the libraries it may import; a library missing here may import any other but app and benchmarks.
LIBRARIES_BELOW = {
    "metrics": set(),
    "video": {"metrics"},
    "data": {"metrics", "video"},
    "evaluation": {"metrics", "data"},
    "training": {"metrics", "data", "evaluation"},
    "app": {"metrics", "video"},
}
LIBRARIES = {*LIBRARIES_BELOW, "benchmarks", "release"}


@dataclass(frozen=True)
class Import:
    importer: str  # the importing module, dotted
    path: str  # its file, relative to the package's parent folder
    line: int
    text: str  # the import statement as written
    target: str  # the package module it reaches: the deepest one the statement names


def package_modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package at ``root`` (a package is its ``__init__``)."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _deepest_module(name: str, modules: dict[str, Path]) -> str | None:
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name if name in modules else None


def _absolute(module: str, level: int, package: str) -> str:
    """The dotted name of ``module`` imported with ``level`` leading dots from ``package``."""
    if not level:
        return module
    parts = package.split(".")[: len(package.split(".")) - level + 1]
    return ".".join(parts + ([module] if module else []))


def _lazy_exported_modules(call: ast.Call, package: str) -> list[str]:
    """The modules of a ``lazy_exports(__name__, {"Name": ".module", ...})`` call: each is imported on first use."""
    exports = call.args[1] if len(call.args) > 1 and isinstance(call.args[1], ast.Dict) else ast.Dict(values=[])
    specs = [
        value.value for value in exports.values if isinstance(value, ast.Constant) and isinstance(value.value, str)
    ]
    return [_absolute(spec.lstrip("."), len(spec) - len(spec.lstrip(".")), package) for spec in specs]


def package_imports(root: Path) -> list[Import]:
    """Every import of the package at ``root`` that reaches one of its own modules, function-level ones and the
    modules named to ``lazy_exports`` included."""
    modules = package_modules(root)
    found = []
    for importer, path in modules.items():
        source = path.read_text(encoding="utf-8")
        package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
        for node in ast.walk(ast.parse(source, filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node.module or "", node.level, package)
                # `from .video import pipeline` reaches the submodule; `from .video import X` the package
                names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "lazy_exports":
                names = _lazy_exported_modules(node, package)
            else:
                continue
            text = " ".join(ast.get_source_segment(source, node).split())
            for target in dict.fromkeys(_deepest_module(name, modules) for name in names):  # each module once
                if target is not None and target != importer:
                    shown = f"lazy_exports(... {target} ...)" if isinstance(node, ast.Call) else text
                    found.append(
                        Import(importer, path.relative_to(root.parent).as_posix(), node.lineno, shown, target)
                    )
    return sorted(found, key=lambda item: (item.path, item.line, item.target))


def area(module: str) -> str:
    """The part of the package a module belongs to: ``model`` for the model files, else its first name below
    ``pglsum_hf`` (``video``, ``commands``, ``hub``, ...), ``package`` for the top-level package itself."""
    parts = module.split(".")
    if len(parts) == 1:
        return "package"
    return "model" if parts[1] in MODEL_FILES else parts[1]


def is_marker(item: Import) -> bool:
    return (item.importer.partition(".")[2], item.target.partition(".")[2]) in MARKER_IMPORTS


def broken_rule(item: Import) -> str | None:
    """The rule ``item`` breaks, or None."""
    source, target = area(item.importer), area(item.target)
    if target in COMMANDS_LAYER and source not in COMMANDS_LAYER:
        return "only pglsum_hf.commands and pglsum_hf.cli may import the commands layer"
    if target == "hub" and source != "commands":
        return "only pglsum_hf.commands may import the Hub module"
    if source == "model" and target != "model" and not is_marker(item):
        return "the model files import only each other (they travel as remote code)"
    if source == "metrics" and target != "metrics":
        return "metrics imports nothing of the package outside itself"
    if target == "package" and source not in ("commands", "package"):
        return "import from the defining module, not the top-level package (its __init__ registers with transformers)"
    if source in LIBRARIES and target in LIBRARIES and source != target:
        below = LIBRARIES_BELOW.get(source, LIBRARIES - {"app", "benchmarks"})
        if target not in below:
            return f"{source} may import only the libraries {', '.join(sorted(below)) or '(none)'}"
    return None


def upward_imports(imports: list[Import]) -> list[str]:
    return [f"{i.path}:{i.line}: `{i.text}` ({broken_rule(i)})" for i in imports if broken_rule(i) is not None]


def import_circles(imports: list[Import]) -> list[str]:
    """Each set of modules that import one another (strongly connected), with the imports that close it."""
    graph: dict[str, set[str]] = collections.defaultdict(set)
    for item in imports:
        if not is_marker(item):
            graph[item.importer].add(item.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[set[str]] = []

    def visit(module: str) -> None:  # Tarjan's algorithm
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph.get(module, ())):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = set()
            while not component or module not in component:
                component.add(stack.pop())
            if len(component) > 1:
                components.append(component)

    for module in sorted(set(graph)):
        if module not in index:
            visit(module)
    circles = []
    for component in components:
        links = [f"{i.path}:{i.line}: `{i.text}`" for i in imports if i.importer in component and i.target in component
                 and not is_marker(i)]  # fmt: skip
        circles.append(" <-> ".join(sorted(component)) + "\n    " + "\n    ".join(links))
    return circles


IMPORTS = package_imports(PACKAGE_ROOT)
FILES = sorted({path.relative_to(PACKAGE_ROOT.parent).as_posix() for path in package_modules(PACKAGE_ROOT).values()})


@pytest.mark.parametrize("path", FILES)
def test_imports_point_down(path):
    upward = upward_imports([item for item in IMPORTS if item.path == path])
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_no_import_circles():
    circles = import_circles(IMPORTS)
    assert not circles, "import circles (function-level imports included):\n" + "\n".join(circles)


def test_the_checks_find_what_they_forbid(tmp_path):
    files = {
        "__init__.py": "from .registration import install\n",
        "registration.py": "def install():\n    from .video.pipeline import register\n",
        "cli.py": "from .version import __version__\n",
        "version.py": "",
        "hub.py": "",
        "configuration_pglsum.py": "from .choices_pglsum import FUSIONS\n\ndef pipeline_class():\n    from .pipeline_pglsum import P\n",
        "choices_pglsum.py": "",
        "pipeline_pglsum.py": "try:\n    from pkg.video.pipeline import P\nexcept ImportError:\n    pass\n",
        "modeling_pglsum.py": "from .configuration_pglsum import C\nfrom .atomic import atomic_file\n",
        "atomic.py": "",
        "commands/__init__.py": "",
        "commands/app.py": "from ..hub import upload_folder\nfrom ..video import pipeline\n",
        "video/__init__.py": "",
        "video/pipeline.py": "from ..configuration_pglsum import C\nfrom ..modeling_pglsum import M\n",
        "video/summarize.py": "def main():\n    from ..cli import run\n    from .. import hub\n    import pkg\n",
        "metrics/__init__.py": "from ..atomic import atomic_file\n",
        "app/__init__.py": "def page():\n    from ..commands.summarize import main\n    import pkg.hub\n",
        "lazy.py": "",
        "benchmarks/__init__.py": "from ..lazy import lazy_exports\n\n"
        "__getattr__, __dir__ = lazy_exports(__name__, {'push': '..hub', 'run': '.run'})\n",
        "benchmarks/run.py": "",
        "data/__init__.py": "def build():\n    from ..training import train\n",
        "training/__init__.py": "from ..data import build\n",
    }
    for name, text in files.items():
        (tmp_path / "pkg" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "pkg" / name).write_text(textwrap.dedent(text))
    imports = package_imports(tmp_path / "pkg")
    assert upward_imports(imports) == [
        "pkg/app/__init__.py:2: `from ..commands.summarize import main` "
        "(only pglsum_hf.commands and pglsum_hf.cli may import the commands layer)",
        "pkg/app/__init__.py:3: `import pkg.hub` (only pglsum_hf.commands may import the Hub module)",
        "pkg/benchmarks/__init__.py:3: `lazy_exports(... pkg.hub ...)` (only pglsum_hf.commands may import the Hub "
        "module)",
        "pkg/data/__init__.py:2: `from ..training import train` (data may import only the libraries metrics, video)",
        "pkg/metrics/__init__.py:1: `from ..atomic import atomic_file` "
        "(metrics imports nothing of the package outside itself)",
        "pkg/modeling_pglsum.py:2: `from .atomic import atomic_file` "
        "(the model files import only each other (they travel as remote code))",
        "pkg/video/summarize.py:2: `from ..cli import run` "
        "(only pglsum_hf.commands and pglsum_hf.cli may import the commands layer)",
        "pkg/video/summarize.py:3: `from .. import hub` (only pglsum_hf.commands may import the Hub module)",
        "pkg/video/summarize.py:4: `import pkg` (import from the defining module, not the top-level package "
        "(its __init__ registers with transformers))",
    ]
    # The marker import does not close the circle config -> pipeline file -> video pipeline -> config; the
    # function-level import of training from data does close one.
    assert import_circles(imports) == [
        "pkg.data <-> pkg.training\n    pkg/data/__init__.py:2: `from ..training import train`\n"
        "    pkg/training/__init__.py:1: `from ..data import build`"
    ]
