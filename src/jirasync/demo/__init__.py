"""`jirasync demo`: the simulators and jirasync in one process, seeded and configured
(`stack`, `world`), and the scripted story that shows the sync both ways (`scenario`).

Only the defaults live here, so the command line can name them without importing the stack.
"""

from pathlib import Path

DEFAULT_DATA_DIR = Path("data/demo")
DEFAULT_PORTS = {"jirasync": 8000, "jira": 8080, "pagerduty": 8081, "hackerone": 8082}
