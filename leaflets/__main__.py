"""Allow ``python -m leaflets``."""
from leaflets.cli import main

main()
