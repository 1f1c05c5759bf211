"""`python -m sandbox.enedis`: run the Enedis sandbox for the demo."""

from sandbox.enedis.server import main

main()
