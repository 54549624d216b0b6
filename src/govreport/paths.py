"""Where the project's folders are. Overridable for tests and deployments."""
import os
from pathlib import Path

PROJECT_DIR = Path(os.environ.get("GOVREPORT_HOME", Path(__file__).resolve().parents[2]))
SCHEMAS_DIR = PROJECT_DIR / "schemas"
RAW_DIR = PROJECT_DIR / "raw"
PUBLISHED_DIR = PROJECT_DIR / "published"
