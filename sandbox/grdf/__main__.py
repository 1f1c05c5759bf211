"""`python -m sandbox.grdf --port 8602 [--acceptance-delay 900] [--fault-rate 0.05]`: the demo ADICT sandbox."""

from sandbox.grdf.server import main

main()
