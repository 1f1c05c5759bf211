"""`python -m collecte.web`: the web app standalone (see `collecte.web.app.main`)."""

from collecte.web.app import main

main()
