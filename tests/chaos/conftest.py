import sys
from pathlib import Path

# harness.py sits beside the tests; support.py one level up.
sys.path.insert(0, str(Path(__file__).parent))
