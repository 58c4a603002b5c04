"""Training and evaluation of the quality check's sentence classifier (not shipped at run time).

``python -m devtools.quality.train`` builds ``feedback/quality/model/`` from the corpus in
``devtools/quality/corpus/``; ``python -m devtools.quality.evaluate`` measures it. See
``devtools/quality/README.md``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[2]
CLASSIFIER_FILE = REPO_ROOT / "feedback" / "quality" / "classifier.py"


def classifier_module() -> ModuleType:
    """The runtime module ``feedback.quality.classifier``.

    While ``feedback/quality.py`` is still a module (before it becomes the package
    ``feedback/quality/``), the package import fails; the file is then loaded directly,
    under a private name. It imports nothing from the project, so both ways give the
    same code.
    """
    try:
        return importlib.import_module("feedback.quality.classifier")
    except ImportError:
        pass
    name = "_candor_quality_classifier"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, CLASSIFIER_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
